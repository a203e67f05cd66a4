"""The staff page for grade sync: where each learner's score stands."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request

from lti_tool import grade_outbox as outbox
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.grade_results import ResultsUnavailable, differs, read_results
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.line_items import line_item_warning
from lti_tool.roles import CourseRole

bp = Blueprint("grades", __name__)


@bp.get("/grades/<launch_id>")
def sync_state(launch_id: str):
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    link = launch.resource_link
    states = outbox.learner_states(link.id) if link else []
    gradebook, unreadable = None, ""
    if request.args.get("check") and link is not None:
        try:
            gradebook = read_results(current_app.extensions["pathmark.grading"], launch)
        except ResultsUnavailable as exc:
            unreadable = str(exc)
    return render_template(
        "staff/grades.html",
        launch=launch,
        link=link,
        course=launch.course,
        person=launch.person,
        credential=None,
        states=states,
        has_ags=outbox.ags_endpoint(launch.claims) is not None,
        warning=line_item_warning(link.id) if link else "",
        gradebook=gradebook,
        unreadable=unreadable,
        differs=differs,
    )


@bp.post("/grades/<launch_id>/resync")
def resync(launch_id: str):
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    if launch.resource_link is None:
        abort(404)
    learner = request.form.get("person_id", type=int)
    now = current_app.extensions["pathmark.grading"].clock()
    count = outbox.resync(launch.resource_link.id, learner, now)
    db.session.commit()
    event(
        "grade.resync",
        link=launch.resource_link.id,
        person=learner,
        by=launch.person_id,
        queued=count,
    )
    return redirect(launch_url("grades.sync_state", launch_id=launch_id), 303)
