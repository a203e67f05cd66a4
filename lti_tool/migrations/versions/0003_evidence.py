"""evidence: submissions, artefacts, uploads, links

Revision ID: 0003_evidence
Revises: 0001
Depends on: 0002_catalogue (submission.credential_version_id)

Tables: submission, artefact, participant_consent, upload, upload_chunk,
media_link, activity_deadline.
Create Date: 2026-12-04 15:47:28.863153

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_evidence"
down_revision = "0001"
branch_labels = None
depends_on = ("0002_catalogue",)


def upgrade():
    op.create_table(
        "activity_deadline",
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_activity_deadline_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_link_id", name=op.f("pk_activity_deadline")),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("credential_version_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("takes_used", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("own_work_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("launch_id", sa.String(length=64), nullable=True),
        sa.Column("own_work_statement", sa.Text(), nullable=False),
        sa.Column("submit_key", sa.String(length=64), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_version_id"],
            ["credential_version.id"],
            name=op.f("fk_submission_credential_version_id_credential_version"),
        ),
        sa.ForeignKeyConstraint(
            ["launch_id"],
            ["launch.id"],
            name=op.f("fk_submission_launch_id_launch"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_submission_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_submission_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint(
            "resource_link_id",
            "person_id",
            "attempt",
            name=op.f("uq_submission_resource_link_id"),
        ),
        sa.UniqueConstraint("submit_key", name=op.f("uq_submission_submit_key")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_credential_version_id"),
            ["credential_version_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_submission_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_submission_resource_link_id"),
            ["resource_link_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_submission_status"), ["status"], unique=False
        )

    op.create_table(
        "artefact",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("capture_mode", sa.String(length=16), nullable=False),
        sa.Column("supervision", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("media_expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_artefact_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artefact")),
    )
    with op.batch_alter_table("artefact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_artefact_sha256"), ["sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_artefact_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "participant_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=255), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_participant_consent_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_consent")),
    )
    with op.batch_alter_table("participant_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participant_consent_submission_id"),
            ["submission_id"],
            unique=False,
        )

    op.create_table(
        "media_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artefact_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["artefact_id"],
            ["artefact.id"],
            name=op.f("fk_media_link_artefact_id_artefact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_media_link_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_link")),
    )
    with op.batch_alter_table("media_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_link_artefact_id"), ["artefact_id"], unique=False
        )

    op.create_table(
        "upload",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("capture_mode", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("total_size", sa.BigInteger(), nullable=False),
        sa.Column("expected_sha256", sa.String(length=64), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("artefact_id", sa.String(length=32), nullable=True),
        sa.Column("failure", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artefact_id"],
            ["artefact.id"],
            name=op.f("fk_upload_artefact_id_artefact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_upload_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_upload_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload")),
    )
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_upload_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "upload_chunk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.String(length=32), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["upload.id"],
            name=op.f("fk_upload_chunk_upload_id_upload"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_chunk")),
        sa.UniqueConstraint(
            "upload_id", "offset", name=op.f("uq_upload_chunk_upload_id")
        ),
    )
    with op.batch_alter_table("upload_chunk", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_upload_chunk_upload_id"), ["upload_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("upload_chunk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_chunk_upload_id"))

    op.drop_table("upload_chunk")
    with op.batch_alter_table("upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_submission_id"))
        batch_op.drop_index(batch_op.f("ix_upload_person_id"))

    op.drop_table("upload")
    with op.batch_alter_table("media_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_link_artefact_id"))

    op.drop_table("media_link")
    with op.batch_alter_table("participant_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participant_consent_submission_id"))

    op.drop_table("participant_consent")
    with op.batch_alter_table("artefact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artefact_submission_id"))
        batch_op.drop_index(batch_op.f("ix_artefact_sha256"))

    op.drop_table("artefact")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_status"))
        batch_op.drop_index(batch_op.f("ix_submission_resource_link_id"))
        batch_op.drop_index(batch_op.f("ix_submission_person_id"))
        batch_op.drop_index(batch_op.f("ix_submission_credential_version_id"))

    op.drop_table("submission")
    op.drop_table("activity_deadline")
