"""Who may see a submission's evidence: its learner, or staff of its course.

Anyone else (another learner, staff of another course, another platform's
user) is told "not found", so ids reveal nothing; each refusal is logged.
A signed link is revoked only by the person who made it or course staff:
a learner cannot cut off the links staff or the gradebook hand-over rely on.
"""

from __future__ import annotations

import logging

from lti_tool.db import db
from lti_tool.events import event
from lti_tool.evidence import EvidenceError
from lti_tool.models import Artefact, Launch, MediaLink, Submission
from lti_tool.roles import CourseRole


def may_view(launch: Launch, submission: Submission) -> bool:
    """The learner who made it, or staff of the course it belongs to."""
    if launch.person_id == submission.person_id:
        return True
    return _is_course_staff(launch, submission)


def _is_course_staff(launch: Launch, submission: Submission) -> bool:
    course_id = submission.resource_link.course_id
    return (
        launch.course_role == CourseRole.STAFF.value
        and course_id is not None
        and launch.course_id == course_id
    )


def may_revoke(launch: Launch, link: MediaLink, artefact: Artefact) -> bool:
    """The link's own maker, or staff of the artefact's course."""
    if link.created_by_id is not None and link.created_by_id == launch.person_id:
        return True
    return _is_course_staff(launch, artefact.submission)


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
