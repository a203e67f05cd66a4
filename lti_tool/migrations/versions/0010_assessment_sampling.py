"""assessment: per-mentor sampling tallies, blind second scorings

Revision ID: 0010_assessment_sampling
Revises: 0008_calibration

Table sampling_tally keeps, per course, credential key and mentor, how
many decisions the random share could pick and how many it picked, so the
share holds per mentor. moderation.blind marks second scorings saved
before the assessor's levels were shown; older rows were all made with
them in view, so they start false.
Create Date: 2026-12-04 21:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_assessment_sampling"
down_revision = "0008_calibration"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sampling_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=100), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["person.id"],
            name=op.f("fk_sampling_tally_assessor_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_sampling_tally_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_tally")),
        sa.UniqueConstraint(
            "course_id",
            "credential_key",
            "assessor_id",
            name=op.f("uq_sampling_tally_course_id"),
        ),
    )
    with op.batch_alter_table("sampling_tally", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sampling_tally_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sampling_tally_assessor_id"), ["assessor_id"], unique=False
        )
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("moderation", schema=None) as batch_op:
        batch_op.drop_column("blind")
    with op.batch_alter_table("sampling_tally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_tally_assessor_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_tally_course_id"))
    op.drop_table("sampling_tally")
