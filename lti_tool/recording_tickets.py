"""Recording tickets: when Pathmark may say a take was "recorded in Pathmark".

The page asks for a ticket the moment its recorder starts. The ticket is
bound to the learner and their draft, used once, and short-lived. An upload
that presents a valid, unused ticket, begun after the ticket was issued and
no longer than the time since then (plus some slack), is recorded as
"recorded"; anything else is "uploaded", with the reason logged. When the
assembled file's own length is known, it is checked again at the end.

Known limit: a determined client can still script the recorder API, so a
ticket proves only that the take was made during a Pathmark page session
in real time, not that a person spoke into a microphone.

The ticket is bound to the draft and its learner rather than to one launch
token: a take whose session ran out before it was sent keeps its ticket
after the learner opens the activity again.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import Launch, RecordingTicket, Submission, Upload

RECORDED = "recorded"
UPLOADED = "uploaded"


@dataclass(frozen=True)
class TicketRules:
    lifetime: timedelta
    slack: timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(launch: Launch, submission: Submission) -> str:
    """A new ticket for the take the learner is starting to record now."""
    token = secrets.token_urlsafe(24)
    ticket = RecordingTicket(
        token_sha256=_digest(token),
        launch_id=launch.id,
        submission_id=submission.id,
        person_id=launch.person_id,
    )
    db.session.add(ticket)
    db.session.flush()
    event("evidence.ticket_issued", ticket=ticket.id, submission=submission.id)
    return token


def _unvouched(reason: str, submission: Submission, **ids) -> str:
    event(
        "evidence.capture_unvouched",
        logging.INFO,
        reason=reason,
        submission=submission.id,
        **ids,
    )
    return UPLOADED


def redeem(
    token: str | None,
    upload: Upload,
    submission: Submission,
    rules: TicketRules,
    now: datetime | None = None,
) -> str:
    """The capture mode an upload beginning now earns with ``token``.

    A ticket that matches this learner's draft is used up even when the
    take fails the timing check, so one ticket never vouches twice.
    """
    if not token:
        return _unvouched("no_ticket", submission, upload=upload.id)
    ticket = db.session.scalar(
        select(RecordingTicket).where(RecordingTicket.token_sha256 == _digest(token))
    )
    if (
        ticket is None
        or ticket.submission_id != submission.id
        or ticket.person_id != upload.person_id
    ):
        return _unvouched("ticket_unknown", submission, upload=upload.id)
    now = now or utcnow()
    used = db.session.execute(
        update(RecordingTicket)
        .where(RecordingTicket.id == ticket.id, RecordingTicket.used_at.is_(None))
        .values(used_at=now, upload_id=upload.id)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return _unvouched("ticket_reused", submission, upload=upload.id)
    db.session.refresh(ticket)
    elapsed = now - ticket.issued_at
    if elapsed < timedelta(0) or elapsed > rules.lifetime:
        return _unvouched("ticket_expired", submission, upload=upload.id)
    if not fits(upload.duration_seconds, elapsed, rules):
        return _unvouched("too_long_for_ticket", submission, upload=upload.id)
    event("evidence.capture_vouched", ticket=ticket.id, upload=upload.id)
    return RECORDED


def fits(seconds: float | None, elapsed: timedelta, rules: TicketRules) -> bool:
    """A take of ``seconds`` could have been made in ``elapsed`` real time."""
    if seconds is None:
        return True
    return timedelta(seconds=seconds) <= elapsed + rules.slack


def confirm(upload: Upload, measured: float | None, rules: TicketRules) -> str:
    """The final mode once the file's own length is read at finish.

    The browser's figure checked at the start is only a claim; the length
    read from the assembled file must fit the ticket's window too. A file
    whose length cannot be read cannot be vouched for: otherwise any file
    sent straight after a ticket, with no duration claimed and a header
    that disagrees with itself, counted as recorded in Pathmark.
    """
    if upload.capture_mode != RECORDED:
        return upload.capture_mode
    if measured is None:
        submission = db.session.get(Submission, upload.submission_id)
        return _unvouched("length_unknown", submission, upload=upload.id)
    issued = db.session.scalar(
        select(RecordingTicket.issued_at).where(RecordingTicket.upload_id == upload.id)
    )
    if issued is None:
        return UPLOADED
    if not fits(measured, upload.created_at - issued, rules):
        submission = db.session.get(Submission, upload.submission_id)
        return _unvouched("too_long_for_ticket", submission, upload=upload.id)
    return RECORDED


def sweep(lifetime: timedelta, now: datetime | None = None) -> int:
    """Delete tickets never used and past their lifetime; none can vouch now.

    Used tickets stay: the finish step reads their issue time, and they
    show which take each one vouched for.
    """
    cutoff = (now or utcnow()) - lifetime
    gone = db.session.execute(
        delete(RecordingTicket)
        .where(RecordingTicket.used_at.is_(None), RecordingTicket.issued_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return gone.rowcount
