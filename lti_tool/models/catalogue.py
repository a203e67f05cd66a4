"""The catalogue: credentials and pathways, each with immutable versions.

A version's ``definition`` is the plain data of
``lti_tool.credential_codec.definition_to_dict``. Once a version is in use (a
submission or an assessment refers to it) it never changes again: an edit
makes the next version. Other areas refer to a ``CredentialVersion.id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow

# The scope of tool-wide entries; course copies use "course-<id>".
TOOL_SCOPE = "tool"


def course_scope(course_id: int) -> str:
    return f"course-{course_id}"


class Credential(db.Model):
    """A credential by key, tool-wide or copied into one course."""

    __tablename__ = "credential"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(40), default=TOOL_SCOPE)
    # The course owning a copy; None for the tool-wide catalogue.
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    # The credential a course copy was made from.
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential.id", ondelete="SET NULL")
    )
    current_version: Mapped[int] = mapped_column(default=1)
    # Listing fields, copied from the current version for search.
    title: Mapped[str] = mapped_column(Text, default="")
    skill: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(40), default="")
    # Retired credentials are no longer offered; their versions remain.
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[CredentialVersion]] = relationship(
        back_populates="credential",
        order_by="CredentialVersion.number",
        foreign_keys="CredentialVersion.credential_id",
    )


class CredentialVersion(db.Model):
    """One exact definition of a credential; referenced by its ``id``."""

    __tablename__ = "credential_version"
    __table_args__ = (UniqueConstraint("credential_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of the canonical definition: an unchanged import is a no-op.
    digest: Mapped[str] = mapped_column(String(64))
    score_maximum: Mapped[float] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a submission or assessment refers to it; then it is locked.
    in_use: Mapped[bool] = mapped_column(default=False)
    in_use_since: Mapped[datetime | None] = mapped_column()

    credential: Mapped[Credential] = relationship(
        back_populates="versions", foreign_keys=[credential_id]
    )

    @property
    def version(self) -> int:
        return self.number


class CourseCredential(db.Model):
    """A tool-wide credential a course has adopted onto its own shortlist."""

    __tablename__ = "course_credential"
    __table_args__ = (UniqueConstraint("course_id", "credential_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    credential: Mapped[Credential] = relationship()


class Pathway(db.Model):
    """A tool-wide stack of credentials, by key."""

    __tablename__ = "pathway"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    current_version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[PathwayVersion]] = relationship(
        back_populates="pathway", order_by="PathwayVersion.number"
    )


class PathwayVersion(db.Model):
    __tablename__ = "pathway_version"
    __table_args__ = (UniqueConstraint("pathway_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathway.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once a pathway award refers to it; then it is locked.
    in_use: Mapped[bool] = mapped_column(default=False)

    pathway: Mapped[Pathway] = relationship(back_populates="versions")


class CredentialDraft(db.Model):
    """Unpublished edits to a credential, saved from the authoring form.

    A draft may be incomplete or invalid; publishing checks it and saves it
    as a version (``catalogue.save``). One draft per key and scope.
    """

    __tablename__ = "credential_draft"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(40), default=TOOL_SCOPE)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    # The credential this draft edits or copies, if any.
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential.id", ondelete="SET NULL")
    )
    # The form's values, as the authoring form reads and writes them.
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
