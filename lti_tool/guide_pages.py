"""The mentor's guide, to reopen at any time from the assessment pages.

The queue shows the same guide by itself on a mentor's first visit; this
page is what the Scoring guide link opens afterwards: the credential's
scoring guide, the feedback language, handling recordings safely and the
calibration set. Only the course's staff may read it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from lti_tool import assessments, calibration, catalogue, mentor_queue
from lti_tool.assessment_pages import actor_of, refusal
from lti_tool.db import row_number
from lti_tool.launch_context import current_launch
from lti_tool.moderation import Refused

bp = Blueprint("guide", __name__)


@bp.get("/assess/<launch_id>/guide")
def guide(launch_id: str):
    """The mentor's guide again, at any time.

    It covers the named submission's credential, or else the activity's.
    """
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    wanted = request.args.get("submission", "")
    try:
        mentor_queue.check_rights(actor, launch.resource_link_id)
        definition = catalogue.for_link(launch.resource_link)
        number = row_number(wanted)
        if number is not None:
            submission = assessments.load_submission(actor, number)
            definition = assessments.definition_for(submission)
        key = definition.key if definition else None
        practice_items = len(calibration.practice_set(actor, key))
    except Refused as exc:
        return refusal(exc, launch)
    return render_template(
        "assessment/guide.html",
        launch=launch,
        definition=definition,
        practice_items=practice_items,
    )
