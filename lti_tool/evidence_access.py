"""Who may see a submission's evidence: its learner, or staff of its course.

Anyone else (another learner, staff of another course, another platform's
user) is told "not found", so ids reveal nothing; each refusal is logged.
"""

from __future__ import annotations

import logging

from lti_tool.db import db
from lti_tool.events import event
from lti_tool.evidence import EvidenceError
from lti_tool.models import Artefact, Launch, Submission
from lti_tool.roles import CourseRole


def may_view(launch: Launch, submission: Submission) -> bool:
    """The learner who made it, or staff of the course it belongs to."""
    if launch.person_id == submission.person_id:
        return True
    course_id = submission.resource_link.course_id
    return (
        launch.course_role == CourseRole.STAFF.value
        and course_id is not None
        and launch.course_id == course_id
    )


def visible_artefact(launch: Launch, artefact_id: str) -> Artefact:
    artefact = db.session.get(Artefact, artefact_id)
    if artefact is None or not may_view(launch, artefact.submission):
        event(
            "evidence.refused",
            logging.WARNING,
            reason="not_visible",
            artefact=artefact_id,
            person=launch.person_id,
        )
        raise EvidenceError("not_found", "There is no such piece of evidence.", 404)
    return artefact
