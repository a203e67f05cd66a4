"""Activity due dates: the LMS's own where it sends one, else staff's.

Flask-free. Staff set a due date for a placement whose LMS sends none
(Pathmark reads the LMS's from the ``due_at`` custom parameter, e.g.
``$Canvas.assignment.dueAt.iso8601``). Every change is kept with who made
it, so a disputed late flag can be traced to the date in force.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import ActivityDeadline, ActivityDeadlineChange, Launch
from lti_tool.vocab import Claim


class DeadlineError(ValueError):
    """A form value that is not a usable date; ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def lms_due_at(launch: Launch) -> datetime | None:
    """The due date the LMS sent with this launch, if it sent a real one."""
    custom = launch.claims.get(Claim.CUSTOM) or {}
    raw = custom.get("due_at") if isinstance(custom, dict) else None
    # "$Canvas..." unexpanded: the LMS had no value to put there.
    if not isinstance(raw, str) or not raw or raw.startswith("$"):
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def staff_due_at(link_id: int) -> datetime | None:
    deadline = db.session.get(ActivityDeadline, link_id)
    return deadline.due_at if deadline else None


def due_at(link_id: int, launch: Launch) -> datetime | None:
    """The due date in force: the LMS's where it sends one, else staff's."""
    return lms_due_at(launch) or staff_due_at(link_id)


def read_form(local: str, zone: str) -> datetime:
    """A ``datetime-local`` value read in the named time zone, as UTC."""
    zone = zone.strip() or "UTC"
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlineError(
            "time_zone",
            f"“{zone[:60]}” is not a time zone Pathmark knows. Use a name such "
            "as UTC, Europe/Paris or America/Chicago.",
        ) from None
    local = local.strip()
    if not local:
        raise DeadlineError("due_at", "Enter the date and time the work is due.")
    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        raise DeadlineError(
            "due_at",
            "Enter the date and time as year-month-day and hours:minutes, "
            "for example 2026-03-01T17:00.",
        ) from None
    if moment.tzinfo is not None:
        raise DeadlineError(
            "due_at", "Leave the offset out; name the time zone in its own field."
        )
    if not 2000 <= moment.year <= 2100:
        raise DeadlineError("due_at", "Enter a year between 2000 and 2100.")
    return moment.replace(tzinfo=tz).astimezone(UTC)


def set_due(link_id: int, person_id: int, due: datetime | None) -> None:
    """Set (or with ``None`` remove) staff's due date, recording who did."""
    deadline = db.session.get(ActivityDeadline, link_id)
    if due is None:
        if deadline is not None:
            db.session.delete(deadline)
    elif deadline is None:
        db.session.add(ActivityDeadline(resource_link_id=link_id, due_at=due))
    else:
        deadline.due_at = due
    change = ActivityDeadlineChange(
        resource_link_id=link_id, person_id=person_id, due_at=due, changed_at=utcnow()
    )
    db.session.add(change)
    db.session.flush()
    event(
        "evidence.deadline_set" if due else "evidence.deadline_removed",
        link=link_id,
        person=person_id,
    )


def last_change(link_id: int) -> ActivityDeadlineChange | None:
    return db.session.scalar(
        select(ActivityDeadlineChange)
        .where(ActivityDeadlineChange.resource_link_id == link_id)
        .order_by(ActivityDeadlineChange.id.desc())
        .limit(1)
    )
