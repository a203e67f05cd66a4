"""The activity page a launch opens: one for course staff, one for learners.

Staff also set the activity's own due date here, for LMSs that send none;
the form carries the launch token, which stands in for a CSRF token.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Blueprint, redirect, render_template, request

from lti_tool import catalogue, deadlines
from lti_tool.admin_entry import entry_url
from lti_tool.db import db
from lti_tool.evidence_views import learner_context
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import Launch
from lti_tool.roles import CourseRole
from lti_tool.vocab import Claim

bp = Blueprint("pages", __name__)


def _context(launch: Launch) -> dict:
    link = launch.resource_link
    return {
        "launch": launch,
        "person": launch.person,
        "course": launch.course,
        "link": link,
        "credential": catalogue.for_link(link),
        "has_ags": bool(launch.claims.get(Claim.AGS_ENDPOINT)),
        "has_nrps": bool(launch.claims.get(Claim.NRPS)),
        # Only for the platform's administrators; never from course roles.
        "admin_entry": entry_url(launch),
    }


@bp.get("/activity/<launch_id>")
def activity(launch_id: str):
    launch = current_launch(launch_id)
    context = _context(launch)
    if launch.course_role == CourseRole.STAFF:
        zone = request.args.get("tz", "UTC")
        context["deadline"] = _deadline(launch, zone, saved=request.args.get("saved"))
        return render_template("staff/activity.html", **context)
    if launch.course_role == CourseRole.LEARNER:
        if launch.resource_link is not None:
            context.update(learner_context(launch))
        return render_template("learner/activity.html", **context)
    # An LMS administrator without a course role still gets the admin link.
    status = 200 if context["admin_entry"] else 403
    return render_template("no_role.html", **context), status


@bp.post("/activity/<launch_id>/deadline")
def save_deadline(launch_id: str):
    """Set or remove the activity's due date (course staff only)."""
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    link = launch.resource_link
    local = request.form.get("due_at", "")
    zone = request.form.get("time_zone", "").strip() or "UTC"
    if link is None:
        return _refused(launch, local, zone, {"due_at": "This launch has no activity."})
    if request.form.get("action") == "remove":
        deadlines.set_due(link.id, launch.person_id, None)
        saved = "removed"
    else:
        try:
            due = deadlines.read_form(local, zone)
        except deadlines.DeadlineError as exc:
            return _refused(launch, local, zone, {exc.field: exc.message})
        deadlines.set_due(link.id, launch.person_id, due)
        saved = "set"
    db.session.commit()
    page = launch_url(
        "pages.activity", launch_id=launch.id, tz=zone, saved=saved, _anchor="deadline"
    )
    return redirect(page, code=303)


def _refused(launch: Launch, local: str, zone: str, errors: dict[str, str]):
    context = _context(launch)
    context["deadline"] = _deadline(launch, zone, typed=local, errors=errors)
    return render_template("staff/activity.html", **context), 400


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _deadline(
    launch: Launch,
    zone: str,
    *,
    typed: str | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
) -> dict:
    """What the staff page's due-date form shows."""
    link = launch.resource_link
    staff_due = deadlines.staff_due_at(link.id) if link else None
    shown = zone if errors and "time_zone" in errors else _zone(zone).key
    if typed is None:
        typed = _local(staff_due, shown) if staff_due else ""
    return {
        "staff_due": staff_due,
        "staff_due_local": _local(staff_due, shown) if staff_due else "",
        "lms_due": deadlines.lms_due_at(launch),
        "change": deadlines.last_change(link.id) if link else None,
        "form": {"due_at": typed, "time_zone": shown},
        "errors": errors or {},
        "saved": saved if saved in {"set", "removed"} else None,
        "zones": zone_names(),
    }


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(_zone(zone)).strftime("%Y-%m-%dT%H:%M")
