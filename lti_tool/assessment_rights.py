"""Who may score, moderate, release and read assessments in a course.

Rights come from the course (membership) roles of the launch only, as in
``lti_tool.roles``. Course staff (instructors, teaching assistants, mentors,
content developers) score and release. Moderators are the course's full
instructors: teaching assistants and mentors score but do not verify. A
learner reads only their own released results. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lti_tool.moderation import Code, Refused
from lti_tool.roles import CourseRole, context_role_parts, course_role

# Instructor sub-roles that score but do not moderate.
_NON_MODERATING = {"TeachingAssistant", "Grader", "TeachingAssistantSection"}


@dataclass(frozen=True)
class Actor:
    """The person behind a request, in the course of their launch."""

    person_id: int
    course_id: int | None
    roles: tuple[str, ...]

    @property
    def course_role(self) -> CourseRole:
        return course_role(self.roles)

    @property
    def staff(self) -> bool:
        return self.course_role is CourseRole.STAFF

    @property
    def moderator(self) -> bool:
        return self.staff and is_moderator(self.roles)


def is_moderator(roles: Iterable[str]) -> bool:
    """True for a full instructor of the course (not a TA or grader)."""
    for role in roles:
        if not isinstance(role, str):
            continue
        parts = context_role_parts(role)
        if parts is None:
            continue
        principal, sub = parts
        if principal == "Instructor" and sub not in _NON_MODERATING:
            return True
    return False


def require_course(actor: Actor, course_id: int | None) -> None:
    """Refuse work of another course than the launch's."""
    if actor.course_id is None or actor.course_id != course_id:
        raise Refused(
            Code.OTHER_COURSE,
            "This submission belongs to another course. Open Pathmark from "
            "that course to work on it.",
        )


def require_staff(actor: Actor, course_id: int | None) -> None:
    """Only the course's staff score, return and release."""
    if not actor.staff:
        raise Refused(Code.NOT_STAFF, "Only the course's teaching staff can do this.")
    require_course(actor, course_id)


def require_moderator(actor: Actor, course_id: int | None) -> None:
    """Only the course's instructors verify scorings."""
    require_staff(actor, course_id)
    if not actor.moderator:
        raise Refused(
            Code.NOT_MODERATOR,
            "Only an instructor of this course can verify scorings.",
        )


def may_read_result(actor: Actor, learner_id: int, course_id: int | None) -> bool:
    """Staff read their course's results; a learner only their own."""
    if actor.course_id is None or actor.course_id != course_id:
        return False
    return actor.staff or actor.person_id == learner_id
