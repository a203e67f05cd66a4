"""catalogue: drafts saved from the authoring form

Revision ID: 0003_catalogue_drafts
Revises: 0002_catalogue

"""

import sqlalchemy as sa
from alembic import op

revision = "0003_catalogue_drafts"
down_revision = "0002_catalogue"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credential_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("based_on_id", sa.Integer(), nullable=True),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_credential_draft_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            ["credential.id"],
            name=op.f("fk_credential_draft_based_on_id_credential"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_credential_draft_updated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_draft")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_credential_draft_scope")),
    )
    with op.batch_alter_table("credential_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_draft_course_id"), ["course_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("credential_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_draft_course_id"))
    op.drop_table("credential_draft")
