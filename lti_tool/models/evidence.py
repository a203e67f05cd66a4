"""Submissions, their artefacts, resumable uploads and links handed out.

An artefact row is written once and never changed: its bytes live in the
artefact store under a key derived from their SHA-256. Only the raw media
may go later (privacy retention); the digest and metadata stay.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.courses import Person, ResourceLink


class Submission(db.Model):
    """One attempt by a learner at an activity: a draft until submitted."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("resource_link_id", "person_id", "attempt"),)

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # The exact credential version the attempt is made against, when known.
    credential_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_version.id"), index=True
    )
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    # Recordings made so far in this attempt (re-records count).
    takes_used: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    own_work_at: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    late: Mapped[bool] = mapped_column(default=False)
    # The launch it was submitted in (AGS endpoint, platform ids).
    launch_id: Mapped[str | None] = mapped_column(
        ForeignKey("launch.id", ondelete="SET NULL")
    )
    # The own-work statement the learner agreed to, word for word.
    own_work_statement: Mapped[str] = mapped_column(Text, default="")
    # One submit form, one key: a double-clicked submit is recognised.
    submit_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The signed receipt (compact JWS) handed to the learner on submit.
    receipt: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[datetime | None] = mapped_column()
    # When the assessment became final; starts the media retention clock.
    final_at: Mapped[datetime | None] = mapped_column()

    resource_link: Mapped[ResourceLink] = relationship()
    person: Mapped[Person] = relationship()
    artefacts: Mapped[list[Artefact]] = relationship(
        back_populates="submission", order_by="Artefact.received_at"
    )


class Artefact(db.Model):
    """An immutable piece of evidence, addressed by its content."""

    __tablename__ = "artefact"

    RECORDED = "recorded"
    UPLOADED = "uploaded"
    TYPED = "typed"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(127))
    # Sanitised for display only; never part of a path.
    original_name: Mapped[str] = mapped_column(String(255), default="")
    capture_mode: Mapped[str] = mapped_column(String(16))
    # How identity was checked while it was made (EU optional element).
    supervision: Mapped[str] = mapped_column(String(32), default="unsupervised")
    # "recording", "upload", "text" or "link": the evidence kind it meets.
    kind: Mapped[str] = mapped_column(String(16))
    # Read from the file by Pathmark where the format allows; the hint is
    # the browser's own figure, shown to people but never checked against.
    duration_seconds: Mapped[float | None] = mapped_column()
    duration_hint_seconds: Mapped[float | None] = mapped_column()
    caption: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    storage_key: Mapped[str] = mapped_column(String(255))
    # Set when the learner replaced or removed it from a draft (a re-record);
    # the row stays, it just no longer counts towards the submission.
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    # Set when retention removed the raw media; the digest stays.
    media_expired_at: Mapped[datetime | None] = mapped_column()

    submission: Mapped[Submission] = relationship(back_populates="artefacts")


class ParticipantConsent(db.Model):
    """Another person in a group recording agreed to be recorded."""

    __tablename__ = "participant_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    # How the learner names the participant (shown to staff only).
    participant: Mapped[str] = mapped_column(String(255))
    statement: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)


class Upload(db.Model):
    """A resumable chunked upload: chunks arrive in order, by byte offset."""

    __tablename__ = "upload"

    OPEN = "open"
    DONE = "done"
    FAILED = "failed"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # The course of the launch that began it: a later launch carries the
    # upload on only from the same course (a link row may move courses).
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    capture_mode: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    # What the client announced: the whole size and, optionally, its digest;
    # the assembled artefact must match both before it counts.
    total_size: Mapped[int] = mapped_column(BigInteger)
    expected_sha256: Mapped[str | None] = mapped_column(String(64))
    duration_seconds: Mapped[float | None] = mapped_column()
    caption: Mapped[str] = mapped_column(Text, default="")
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    artefact_id: Mapped[str | None] = mapped_column(
        ForeignKey("artefact.id", ondelete="SET NULL")
    )
    failure: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    chunks: Mapped[list[UploadChunk]] = relationship(
        order_by="UploadChunk.offset", cascade="all, delete-orphan"
    )


class UploadChunk(db.Model):
    """One stored chunk; its digest tells a harmless repeat from a clash."""

    __tablename__ = "upload_chunk"
    __table_args__ = (UniqueConstraint("upload_id", "offset"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[str] = mapped_column(
        ForeignKey("upload.id", ondelete="CASCADE"), index=True
    )
    offset: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))


class RecordingTicket(db.Model):
    """Issued when the recorder starts; vouches for one take made in real time.

    Only the SHA-256 of the ticket is stored, so the table hands out nothing.
    """

    __tablename__ = "recording_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    launch_id: Mapped[str] = mapped_column(
        ForeignKey("launch.id", ondelete="CASCADE"), index=True
    )
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column()
    upload_id: Mapped[str | None] = mapped_column(
        ForeignKey("upload.id", ondelete="SET NULL"), index=True
    )


class MediaLink(db.Model):
    """A signed, expiring link to one artefact, handed to the LMS."""

    __tablename__ = "media_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    artefact_id: Mapped[str] = mapped_column(
        ForeignKey("artefact.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32), default="lms")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class ActivityDeadline(db.Model):
    """A due date set in Pathmark for a placement whose LMS sends none."""

    __tablename__ = "activity_deadline"

    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), primary_key=True
    )
    due_at: Mapped[datetime] = mapped_column()


class ActivityDeadlineChange(db.Model):
    """Who set (or, with no date, removed) an activity's due date, and when."""

    __tablename__ = "activity_deadline_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    due_at: Mapped[datetime | None] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship()
