"""registrations trusted for tool-wide catalogue editing

Revision ID: 0009_admin_trust
Revises: 0008_admin_tickets

Registrations that exist already start untrusted: nothing recorded tells
an operator's registration from one made through Dynamic Registration, so
a password admin marks the trusted ones on the admin page.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_admin_trust"
down_revision = "0008_admin_tickets"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration") as batch:
        batch.add_column(
            sa.Column(
                "trusted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("registration") as batch:
        batch.drop_column("trusted")
