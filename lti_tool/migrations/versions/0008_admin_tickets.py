"""admin access from LMS launches and the one-time bootstrap code

Revision ID: 0008_admin_tickets
Revises: 0007_admin_lockout

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_admin_tickets"
down_revision = "0007_admin_lockout"
branch_labels = None
# registration, person and launch come from 0001, already below 0007_admin.
depends_on = None


def upgrade():
    op.create_table(
        "admin_launch_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("launch_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_admin_launch_session_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_admin_launch_session_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launch.id"],
            name=op.f("fk_admin_launch_session_launch_id_launch"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_launch_session")),
        sa.UniqueConstraint("ticket", name=op.f("uq_admin_launch_session_ticket")),
    )
    op.create_index(
        op.f("ix_admin_launch_session_registration_id"),
        "admin_launch_session",
        ["registration_id"],
    )
    op.create_table(
        "admin_bootstrap",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_bootstrap")),
    )


def downgrade():
    op.drop_table("admin_bootstrap")
    op.drop_index(
        op.f("ix_admin_launch_session_registration_id"),
        table_name="admin_launch_session",
    )
    op.drop_table("admin_launch_session")
