"""badges: the DID a learner names as holder of future badges

Revision ID: 0009_badge_subject_did
Revises: 0008_badge_status_identity

A table of its own keyed by person, so the person table (another area's)
is left as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_badge_subject_did"
down_revision = "0008_badge_status_identity"
branch_labels = None
depends_on = ("0001",)


def upgrade():
    op.create_table(
        "badge_subject_did",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=512), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade():
    op.drop_table("badge_subject_did")
