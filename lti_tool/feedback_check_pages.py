"""The live feedback check the scoring page asks for while a mentor types.

static/scoring.js posts the sheet as it stands (levels, notes and the
launch token) and shows the answer beside each note. The rules are
``rubrics.check_feedback``, the same the page uses when it is drawn after a
draft save, so the browser holds no copy of them. Only the course's staff
may ask; nothing is saved and nothing is logged, since the notes are
learner feedback.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from lti_tool import assessments, rubrics
from lti_tool.assessment_pages import actor_of, form_fields
from lti_tool.launch_context import current_launch
from lti_tool.moderation import Code, Refused

bp = Blueprint("feedback_check", __name__)


@bp.post("/assess/<launch_id>/submissions/<int:submission_id>/feedback-check")
def check(launch_id: str, submission_id: int):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    try:
        submission = assessments.load_submission(actor, submission_id)
        definition = assessments.definition_for(submission)
        try:
            levels = rubrics.parse_levels(definition.rubric, form_fields("level-"))
            notes = form_fields("note-")
            rubrics.check_notes(definition.rubric, notes)
        except rubrics.SheetError as exc:
            raise Refused(Code.BAD_SHEET, f"Not checked: {exc}.") from None
    except Refused as exc:
        return jsonify(error=exc.code.value, message=exc.message), exc.status
    return jsonify(warnings=rubrics.check_feedback(definition, levels, notes))
