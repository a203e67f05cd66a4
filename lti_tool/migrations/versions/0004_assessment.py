"""assessment: assessments, moderations, audit trail

Revision ID: 0004_assessment
Revises: 0001
Depends on: 0003_evidence (assessment.submission_id),
0002_catalogue (assessment.credential_version_id)

Tables: assessment, moderation, assessment_audit.
Create Date: 2026-12-04 16:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_assessment"
down_revision = "0001"
branch_labels = None
depends_on = ("0003_evidence", "0002_catalogue")


def upgrade():
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("credential_version_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("overall", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("mastery", sa.Boolean(), nullable=True),
        sa.Column("moderation_required", sa.Boolean(), nullable=False),
        sa.Column("moderation_reason", sa.String(length=120), nullable=False),
        sa.Column("send_back_note", sa.Text(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("self_verified", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["person.id"],
            name=op.f("fk_assessment_assessor_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_assessment_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_version_id"],
            ["credential_version.id"],
            name=op.f("fk_assessment_credential_version_id_credential_version"),
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["person.id"],
            name=op.f("fk_assessment_learner_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["person.id"],
            name=op.f("fk_assessment_moderator_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_assessment_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_assessment_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_assessment_updated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_assessment_submission_id")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_assessor_id"), ["assessor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_resource_link_id"),
            ["resource_link_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_status"), ["status"], unique=False
        )

    op.create_table(
        "assessment_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["person.id"],
            name=op.f("fk_assessment_audit_actor_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_audit_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_assessment_audit_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_assessment_audit_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_audit")),
    )
    with op.batch_alter_table("assessment_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_audit_assessment_id"),
            ["assessment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_audit_at"), ["at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_audit_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_audit_submission_id"),
            ["submission_id"],
            unique=False,
        )

    op.create_table(
        "moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("mastery", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("self_verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_moderation_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["person.id"],
            name=op.f("fk_moderation_moderator_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation")),
    )
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_moderation_moderator_id"), ["moderator_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_moderator_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_assessment_id"))

    op.drop_table("moderation")
    with op.batch_alter_table("assessment_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_audit_submission_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_audit_course_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_audit_at"))
        batch_op.drop_index(batch_op.f("ix_assessment_audit_assessment_id"))

    op.drop_table("assessment_audit")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_status"))
        batch_op.drop_index(batch_op.f("ix_assessment_resource_link_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_learner_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_course_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_assessor_id"))

    op.drop_table("assessment")
