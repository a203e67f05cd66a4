"""badges: public recognition notes on awards

Revision ID: 0006b_badge_credit
Revises: 0006_badges

A table of its own after 0006_badges, so databases already at 0006_badges
upgrade without change to that revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006b_badge_credit"
down_revision = "0006_badges"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "badge_public_credit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("done_well", sa.Text(), nullable=False),
        sa.Column("shown_by", sa.Text(), nullable=False),
        sa.Column("setting", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["badge_award.id"],
            name=op.f("fk_badge_public_credit_award_id_badge_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["person.id"],
            name=op.f("fk_badge_public_credit_mentor_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_public_credit")),
    )
    with op.batch_alter_table("badge_public_credit") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_badge_public_credit_award_id"), ["award_id"], unique=False
        )


def downgrade():
    op.drop_table("badge_public_credit")
