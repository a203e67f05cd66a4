"""The activity page a launch opens: one for course staff, one for learners."""

from __future__ import annotations

from flask import Blueprint, render_template

from lti_tool import catalogue
from lti_tool.admin_entry import entry_url
from lti_tool.evidence_views import learner_context
from lti_tool.launch_context import current_launch
from lti_tool.roles import CourseRole
from lti_tool.vocab import Claim

bp = Blueprint("pages", __name__)


@bp.get("/activity/<launch_id>")
def activity(launch_id: str):
    launch = current_launch(launch_id)
    link = launch.resource_link
    credential = catalogue.for_link(link)
    context = {
        "launch": launch,
        "person": launch.person,
        "course": launch.course,
        "link": link,
        "credential": credential,
        "has_ags": bool(launch.claims.get(Claim.AGS_ENDPOINT)),
        "has_nrps": bool(launch.claims.get(Claim.NRPS)),
        # Only for the platform's administrators; never from course roles.
        "admin_entry": entry_url(launch),
    }
    if launch.course_role == CourseRole.STAFF:
        return render_template("staff/activity.html", **context)
    if launch.course_role == CourseRole.LEARNER:
        if link is not None:
            context.update(learner_context(launch))
        return render_template("learner/activity.html", **context)
    # An LMS administrator without a course role still gets the admin link.
    status = 200 if context["admin_entry"] else 403
    return render_template("no_role.html", **context), status
