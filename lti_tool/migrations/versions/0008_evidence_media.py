"""evidence media: the browser's duration kept apart, deadline changes audited

Revision ID: 0008_evidence_media
Revises: 0003_evidence
Create Date: 2026-12-04 18:45:00

artefact.duration_hint_seconds holds the browser's figure, now that
duration_seconds is read from the file; activity_deadline_change records
who set or removed an activity's due date, and when.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_evidence_media"
down_revision = "0003_evidence"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("artefact") as batch:
        batch.add_column(sa.Column("duration_hint_seconds", sa.Float(), nullable=True))
    op.create_table(
        "activity_deadline_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_activity_deadline_change_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_activity_deadline_change_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_deadline_change")),
    )
    with op.batch_alter_table("activity_deadline_change") as batch:
        batch.create_index(
            batch.f("ix_activity_deadline_change_resource_link_id"),
            ["resource_link_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("activity_deadline_change") as batch:
        batch.drop_index(batch.f("ix_activity_deadline_change_resource_link_id"))
    op.drop_table("activity_deadline_change")
    with op.batch_alter_table("artefact") as batch:
        batch.drop_column("duration_hint_seconds")
