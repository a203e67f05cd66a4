"""catalogue: credentials, versions, pathways

Revision ID: 0002_catalogue
Revises: 0001

Tables: credential, credential_version, course_credential, pathway,
pathway_version; resource_link gains credential_version_id.
Create Date: 2026-12-04 15:02:29.938899

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_catalogue"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "pathway",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway")),
        sa.UniqueConstraint("key", name=op.f("uq_pathway_key")),
    )
    op.create_table(
        "pathway_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_use", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathway.id"],
            name=op.f("fk_pathway_version_pathway_id_pathway"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_version")),
        sa.UniqueConstraint(
            "pathway_id", "number", name=op.f("uq_pathway_version_pathway_id")
        ),
    )
    with op.batch_alter_table("pathway_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_version_pathway_id"), ["pathway_id"], unique=False
        )

    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("skill", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["copied_from_id"],
            ["credential.id"],
            name=op.f("fk_credential_copied_from_id_credential"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_credential_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_credential_scope")),
    )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "course_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_credential_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_course_credential_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_credential")),
        sa.UniqueConstraint(
            "course_id", "credential_id", name=op.f("uq_course_credential_course_id")
        ),
    )
    with op.batch_alter_table("course_credential", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_credential_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "credential_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_use", sa.Boolean(), nullable=False),
        sa.Column("in_use_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_credential_version_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_version")),
        sa.UniqueConstraint(
            "credential_id", "number", name=op.f("uq_credential_version_credential_id")
        ),
    )
    with op.batch_alter_table("credential_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_version_credential_id"),
            ["credential_id"],
            unique=False,
        )

    with op.batch_alter_table("resource_link", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("credential_version_id", sa.Integer(), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_resource_link_credential_version_id_credential_version"),
            "credential_version",
            ["credential_version_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():

    with op.batch_alter_table("resource_link", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_resource_link_credential_version_id_credential_version"),
            type_="foreignkey",
        )
        batch_op.drop_column("credential_version_id")

    with op.batch_alter_table("credential_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_version_credential_id"))

    op.drop_table("credential_version")
    with op.batch_alter_table("course_credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_credential_course_id"))

    op.drop_table("course_credential")
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_course_id"))

    op.drop_table("credential")
    with op.batch_alter_table("pathway_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_version_pathway_id"))

    op.drop_table("pathway_version")
    op.drop_table("pathway")
