"""assessment: calibration items, practice scorings, comment bank entries

Revision ID: 0008_calibration
Revises: 0004_assessment
Depends on: 0003_evidence (calibration_item.submission_id),
0002_catalogue (calibration_item.credential_version_id)

Tables: calibration_consent, calibration_item, practice_scoring,
comment_bank_entry.
Create Date: 2026-12-04 18:37:15

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_calibration"
down_revision = "0004_assessment"
branch_labels = None
depends_on = ("0003_evidence", "0002_catalogue")


def upgrade():
    op.create_table(
        "calibration_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_calibration_consent_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_calibration_consent_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_consent")),
        sa.UniqueConstraint(
            "course_id", "person_id", name=op.f("uq_calibration_consent_course_id")
        ),
    )
    with op.batch_alter_table("calibration_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calibration_consent_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calibration_consent_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "comment_bank_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=100), nullable=False),
        sa.Column("criterion_id", sa.String(length=100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_comment_bank_entry_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_comment_bank_entry_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_bank_entry")),
    )
    with op.batch_alter_table("comment_bank_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_bank_entry_course_id"),
            ["course_id", "credential_key"],
            unique=False,
        )

    op.create_table(
        "calibration_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=100), nullable=False),
        sa.Column("credential_version_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("agreed_levels", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_reason", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_calibration_item_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_calibration_item_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_calibration_item_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["credential_version_id"],
            ["credential_version.id"],
            name=op.f("fk_calibration_item_credential_version_id_credential_version"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_calibration_item_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_item")),
        sa.UniqueConstraint(
            "submission_id", name=op.f("uq_calibration_item_submission_id")
        ),
    )
    with op.batch_alter_table("calibration_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calibration_item_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calibration_item_credential_key"),
            ["credential_key"],
            unique=False,
        )

    op.create_table(
        "practice_scoring",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["calibration_item.id"],
            name=op.f("fk_practice_scoring_item_id_calibration_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_practice_scoring_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_scoring")),
    )
    with op.batch_alter_table("practice_scoring", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_scoring_item_id"), ["item_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practice_scoring_person_id"), ["person_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("practice_scoring", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_scoring_person_id"))
        batch_op.drop_index(batch_op.f("ix_practice_scoring_item_id"))

    op.drop_table("practice_scoring")
    with op.batch_alter_table("calibration_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_item_credential_key"))
        batch_op.drop_index(batch_op.f("ix_calibration_item_course_id"))

    op.drop_table("calibration_item")
    with op.batch_alter_table("comment_bank_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_bank_entry_course_id"))

    op.drop_table("comment_bank_entry")
    with op.batch_alter_table("calibration_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibration_consent_person_id"))
        batch_op.drop_index(batch_op.f("ix_calibration_consent_course_id"))

    op.drop_table("calibration_consent")
