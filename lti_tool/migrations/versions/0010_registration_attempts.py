"""openings of /lti/register, for the per-address limit

Revision ID: 0010_registration_attempts
Revises: 0009_admin_trust

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_registration_attempts"
down_revision = "0009_admin_trust"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registration_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_attempt")),
    )
    op.create_index(
        op.f("ix_registration_attempt_client_key"),
        "registration_attempt",
        ["client_key"],
    )
    op.create_index(
        op.f("ix_registration_attempt_attempted_at"),
        "registration_attempt",
        ["attempted_at"],
    )


def downgrade():
    op.drop_index(op.f("ix_registration_attempt_attempted_at"), "registration_attempt")
    op.drop_index(op.f("ix_registration_attempt_client_key"), "registration_attempt")
    op.drop_table("registration_attempt")
