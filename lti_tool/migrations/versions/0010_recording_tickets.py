"""recording tickets: the server's word that a take was recorded in Pathmark

Revision ID: 0010_recording_tickets
Revises: 0008_evidence_media
Create Date: 2026-12-04 21:50:00

recording_ticket rows are issued when the recorder starts and used once,
by the upload of the take; only the ticket's SHA-256 is stored.
upload.course_id keeps the course of the launch that began an upload, so
only a launch in that course may resume it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_recording_tickets"
down_revision = "0008_evidence_media"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("upload") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_upload_course_id_course"),
            "course",
            ["course_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "recording_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("launch_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("upload_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launch.id"],
            name=op.f("fk_recording_ticket_launch_id_launch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_recording_ticket_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_recording_ticket_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["upload.id"],
            name=op.f("fk_recording_ticket_upload_id_upload"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_ticket")),
        sa.UniqueConstraint(
            "token_sha256", name=op.f("uq_recording_ticket_token_sha256")
        ),
    )
    with op.batch_alter_table("recording_ticket") as batch:
        for column in ("launch_id", "submission_id", "person_id", "upload_id"):
            batch.create_index(
                batch.f(f"ix_recording_ticket_{column}"), [column], unique=False
            )


def downgrade():
    with op.batch_alter_table("recording_ticket") as batch:
        for column in ("launch_id", "submission_id", "person_id", "upload_id"):
            batch.drop_index(batch.f(f"ix_recording_ticket_{column}"))
    op.drop_table("recording_ticket")
    with op.batch_alter_table("upload") as batch:
        batch.drop_constraint(batch.f("fk_upload_course_id_course"), type_="foreignkey")
        batch.drop_column("course_id")
