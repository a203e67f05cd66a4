"""Calibration: practice items with agreed levels, and mentors' practice scorings.

A calibration item is a released, verified piece of learner work whose
final levels become the agreed levels. Learner work is used only with the
learner's own recorded consent for that course (``CalibrationConsent``);
withdrawing it retires their items. Practice scorings live here alone:
they never create or change an assessment, a grade or a badge.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.evidence import Submission


class CalibrationConsent(db.Model):
    """A learner's agreement that their work may train this course's mentors."""

    __tablename__ = "calibration_consent"
    __table_args__ = (UniqueConstraint("course_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # The statement the learner agreed to, word for word.
    statement: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()


class CalibrationItem(db.Model):
    """One piece of verified work with the levels staff agreed on."""

    __tablename__ = "calibration_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    credential_key: Mapped[str] = mapped_column(String(100), index=True)
    # The exact version scored: practice uses its rubric.
    credential_version_id: Mapped[int] = mapped_column(
        ForeignKey("credential_version.id")
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), unique=True
    )
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE")
    )
    # criterion id -> agreed level: the verified (or adjusted) scoring.
    agreed_levels: Mapped[dict[str, int]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column()
    retired_reason: Mapped[str] = mapped_column(String(120), default="")

    submission: Mapped[Submission] = relationship()


class PracticeScoring(db.Model):
    """A mentor's practice levels for one calibration item."""

    __tablename__ = "practice_scoring"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("calibration_item.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    levels: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[CalibrationItem] = relationship()
