"""Grade sync: line items, the outbox of scores to send, service tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.courses import Person, ResourceLink


class GradeLineItem(db.Model):
    """The gradebook column a resource link's scores go to."""

    __tablename__ = "grade_line_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(1024))
    # "launch" (the claim named it), "found" or "created" through lineitems.
    source: Mapped[str] = mapped_column(String(16))
    score_maximum: Mapped[float | None] = mapped_column()
    # Set when the platform keeps another maximum than the rubric's.
    warning: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreDelivery(db.Model):
    """One score to send, written with the state change that decided it.

    The AGS endpoint, the learner's ``sub`` and the timestamp are fixed when
    the row is written, so every attempt sends the same score.
    """

    __tablename__ = "score_delivery"
    __table_args__ = (
        Index("ix_score_delivery_due", "status", "next_try_at"),
        Index("ix_score_delivery_learner", "resource_link_id", "person_id"),
    )

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # The platform will not take it as it is: an operator has to act.
    FAILED = "failed"
    # A newer score for the same learner and line item made it moot.
    SUPERSEDED = "superseded"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    launch_id: Mapped[str] = mapped_column(String(64))
    # "submission", "release" or "resync"; source_id is the submission or
    # assessment it came from.
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int | None] = mapped_column()
    user_id: Mapped[str] = mapped_column(String(255))
    endpoint: Mapped[dict[str, Any]] = mapped_column(JSON)
    platform_family: Mapped[str] = mapped_column(String(32), default="")
    score: Mapped[dict[str, Any]] = mapped_column(JSON)
    timestamp: Mapped[datetime] = mapped_column()
    # Canvas's submission extension: a new attempt, and when it was handed in.
    new_submission: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    # Why a failed score failed: not_gradable, superseded, line_item_removed,
    # no_line_item, rejected, unauthorized, token_refused, address_refused;
    # "already_recorded"
    # for a resend the platform had taken before.
    outcome: Mapped[str] = mapped_column(String(32), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    # A claim whose worker vanished: its last send may have arrived.
    in_doubt: Mapped[bool] = mapped_column(default=False)
    last_status: Mapped[int | None] = mapped_column()
    # The platform's own words, shortened, for staff.
    last_message: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()
    resource_link: Mapped[ResourceLink] = relationship()


class ServiceToken(db.Model):
    """An access token for a registration and scope set, shared by workers."""

    __tablename__ = "service_token"
    __table_args__ = (UniqueConstraint("registration_id", "scopes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    # Space-separated, sorted.
    scopes: Mapped[str] = mapped_column(String(1024))
    access_token: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One worker at a time asks the platform; the others wait for its answer.
    refreshing_until: Mapped[datetime | None] = mapped_column()
