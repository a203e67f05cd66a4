"""Assessments of submissions, their moderations and the audit trail.

One assessment per submission. ``revision`` is SQLAlchemy's version
counter: every change bumps it and an UPDATE that finds another revision
fails, so two people saving the same assessment never overwrite each
other silently. Moderations keep the second person's own scoring next to
the assessor's. Audit entries are append-only: the ORM refuses to change
or delete one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.courses import Person
from lti_tool.models.evidence import Submission


class Assessment(db.Model):
    """A mentor's rubric scoring of one submission, through to release."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), unique=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # The exact credential version scored against.
    credential_version_id: Mapped[int] = mapped_column(
        ForeignKey("credential_version.id")
    )
    assessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    revision: Mapped[int] = mapped_column()
    # The assessor's scoring: criterion id -> level, criterion id -> note.
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    overall: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[float | None] = mapped_column()
    mastery: Mapped[bool | None] = mapped_column()
    # What the moderation policy decided when the scoring was submitted.
    moderation_required: Mapped[bool] = mapped_column(default=False)
    moderation_reason: Mapped[str] = mapped_column(String(120), default="")
    # A moderator's note when sending the scoring back to the assessor.
    send_back_note: Mapped[str] = mapped_column(Text, default="")
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    self_verified: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    scored_at: Mapped[datetime | None] = mapped_column()
    moderated_at: Mapped[datetime | None] = mapped_column()
    released_at: Mapped[datetime | None] = mapped_column()
    returned_at: Mapped[datetime | None] = mapped_column()

    __mapper_args__ = {"version_id_col": revision}

    submission: Mapped[Submission] = relationship()
    learner: Mapped[Person] = relationship(foreign_keys=[learner_id])
    assessor: Mapped[Person | None] = relationship(foreign_keys=[assessor_id])
    moderator: Mapped[Person | None] = relationship(foreign_keys=[moderator_id])
    updated_by: Mapped[Person | None] = relationship(foreign_keys=[updated_by_id])
    moderations: Mapped[list[Moderation]] = relationship(
        back_populates="assessment", order_by="Moderation.id"
    )


class Moderation(db.Model):
    """A second person's verification, adjustment or sending back."""

    __tablename__ = "moderation"

    VERIFIED = "verified"
    ADJUSTED = "adjusted"
    SENT_BACK = "sent_back"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(16))
    # The moderator's own levels (the assessor's when verified as they were).
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    notes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    total: Mapped[float | None] = mapped_column()
    mastery: Mapped[bool | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    self_verified: Mapped[bool] = mapped_column(default=False)
    # Levels saved before the assessor's were shown to the moderator: only
    # these second scorings are independent (blind) ones.
    blind: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="moderations")
    moderator: Mapped[Person | None] = relationship()


class SamplingTally(db.Model):
    """How many of a mentor's decisions the random share could pick, and did.

    Per course, credential (by key, across versions) and mentor; decisions
    near the mastery threshold are picked anyway and are not counted here.
    """

    __tablename__ = "sampling_tally"
    __table_args__ = (UniqueConstraint("course_id", "credential_key", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    credential_key: Mapped[str] = mapped_column(String(100))
    assessor_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    seen: Mapped[int] = mapped_column(default=0)
    picked: Mapped[int] = mapped_column(default=0)


class AuditEntry(db.Model):
    """One decision about a submission's assessment: who, what, when."""

    __tablename__ = "assessment_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    # Levels, totals and reasons; never the text of learners' work.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[Person | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise PermissionError("audit entries are append-only")
