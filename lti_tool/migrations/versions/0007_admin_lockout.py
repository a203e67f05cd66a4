"""admin sign-in lockout: failed attempts and lock time per account

Revision ID: 0007_admin_lockout
Revises: 0007_admin
Create Date: 2026-12-04 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_admin_lockout"
down_revision = "0007_admin"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("admin_user") as batch:
        batch.add_column(
            sa.Column(
                "failed_sign_ins", sa.Integer(), nullable=False, server_default="0"
            )
        )
        batch.add_column(
            sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("admin_user") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_sign_ins")
