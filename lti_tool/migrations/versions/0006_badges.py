"""badges: awards and revocation status lists

Revision ID: 0006_badges
Revises: 0001
Depends on: 0002_catalogue (awards point at credential and pathway versions)
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_badges"
down_revision = "0001"
branch_labels = None
depends_on = ("0002_catalogue",)


def upgrade():
    op.create_table(
        "badge_status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("credential", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_status_list")),
    )
    op.create_table(
        "badge_award",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("credential_version_id", sa.Integer(), nullable=True),
        sa.Column("pathway_version_id", sa.Integer(), nullable=True),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("recipient_hash", sa.String(length=80), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_badge_award_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_version_id"],
            ["credential_version.id"],
            name=op.f("fk_badge_award_credential_version_id_credential_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_version_id"],
            ["pathway_version.id"],
            name=op.f("fk_badge_award_pathway_version_id_pathway_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["badge_status_list.id"],
            name=op.f("fk_badge_award_status_list_id_badge_status_list"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_award")),
        sa.UniqueConstraint(
            "person_id",
            "credential_version_id",
            name=op.f("uq_badge_award_person_version"),
        ),
        sa.UniqueConstraint(
            "person_id",
            "pathway_version_id",
            name=op.f("uq_badge_award_person_pathway"),
        ),
        sa.UniqueConstraint(
            "status_list_id",
            "status_index",
            name=op.f("uq_badge_award_status_bit"),
        ),
    )
    with op.batch_alter_table("badge_award") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_badge_award_person_id"), ["person_id"], unique=False
        )


def downgrade():
    op.drop_table("badge_award")
    op.drop_table("badge_status_list")
