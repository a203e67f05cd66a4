"""grading: line items, the score outbox, service tokens

Revision ID: 0005_grading
Revises: 0001
Create Date: 2026-12-04 15:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_grading"
down_revision = "0001"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "grade_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=True),
        sa.Column("warning", sa.Text(), nullable=False),
        _when("checked_at"),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_grade_line_item_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_line_item")),
        sa.UniqueConstraint(
            "resource_link_id", name=op.f("uq_grade_line_item_resource_link_id")
        ),
    )
    op.create_table(
        "score_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("launch_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("endpoint", sa.JSON(), nullable=False),
        sa.Column("platform_family", sa.String(length=32), nullable=False),
        sa.Column("score", sa.JSON(), nullable=False),
        _when("timestamp"),
        sa.Column("new_submission", sa.Boolean(), nullable=False),
        _when("submitted_at", nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_try_at"),
        sa.Column("claim", sa.String(length=64), nullable=True),
        _when("lease_until", nullable=True),
        sa.Column("in_doubt", sa.Boolean(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=False),
        _when("sent_at", nullable=True),
        _when("created_at"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_score_delivery_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_score_delivery_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_score_delivery_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_delivery")),
    )
    with op.batch_alter_table("score_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_delivery_due", ["status", "next_try_at"], unique=False
        )
        batch_op.create_index(
            "ix_score_delivery_learner", ["resource_link_id", "person_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_score_delivery_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_score_delivery_registration_id"),
            ["registration_id"],
            unique=False,
        )
    op.create_table(
        "service_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.String(length=1024), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        _when("expires_at"),
        _when("refreshing_until", nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_service_token_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_token")),
        sa.UniqueConstraint(
            "registration_id",
            "scopes",
            name=op.f("uq_service_token_registration_id"),
        ),
    )


def downgrade():
    op.drop_table("service_token")
    with op.batch_alter_table("score_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_delivery_registration_id"))
        batch_op.drop_index(batch_op.f("ix_score_delivery_person_id"))
        batch_op.drop_index("ix_score_delivery_learner")
        batch_op.drop_index("ix_score_delivery_due")
    op.drop_table("score_delivery")
    op.drop_table("grade_line_item")
