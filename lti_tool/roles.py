"""Role URIs normalised, and the course rights they give.

LTI 1.3 core, section 5.3.7 (roles claim) and appendix A.2 (role
vocabularies). Course rights come from membership (context) roles only:
institution and system roles say nothing about this course, and a launch
without course roles gets the least privilege.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from lti_tool.vocab import INSTITUTION, MEMBERSHIP, SYSTEM

# The deprecated short names LTI 1.3 still allows for context roles.
_SHORT_CONTEXT_ROLES = {
    "Administrator",
    "ContentDeveloper",
    "Instructor",
    "Learner",
    "Mentor",
    "Manager",
    "Member",
    "Officer",
}

# Course staff: instructors (and their sub-roles, such as teaching
# assistants), mentors and content developers.
_STAFF_PRINCIPALS = {"Instructor", "ContentDeveloper", "Mentor"}


class CourseRole(StrEnum):
    """What a person may do in a course, from least to most."""

    NONE = "none"
    LEARNER = "learner"
    STAFF = "staff"


def normalise(role: str) -> str:
    """Return the full URI of a role; unknown forms come back unchanged."""
    role = role.strip()
    if role in _SHORT_CONTEXT_ROLES:
        return f"{MEMBERSHIP}#{role}"
    return role


def context_role_parts(role: str) -> tuple[str, str | None] | None:
    """``(principal, sub_role)`` for a membership role URI, else ``None``.

    ``.../membership#Instructor`` gives ``("Instructor", None)``;
    ``.../membership/Instructor#TeachingAssistant`` gives
    ``("Instructor", "TeachingAssistant")``.
    """
    uri = normalise(role)
    if uri.startswith(MEMBERSHIP + "#"):
        return uri[len(MEMBERSHIP) + 1 :], None
    if uri.startswith(MEMBERSHIP + "/") and "#" in uri:
        principal, sub = uri[len(MEMBERSHIP) + 1 :].split("#", 1)
        return principal, sub
    return None


def is_institution_role(role: str) -> bool:
    return normalise(role).startswith((INSTITUTION, SYSTEM))


def course_role(roles: Iterable[str] | None) -> CourseRole:
    """The course rights a roles claim gives."""
    result = CourseRole.NONE
    for role in roles or ():
        if not isinstance(role, str):
            continue
        parts = context_role_parts(role)
        if parts is None:
            continue
        principal, _sub = parts
        if principal in _STAFF_PRINCIPALS:
            return CourseRole.STAFF
        if principal == "Learner":
            result = CourseRole.LEARNER
    return result


# The platform administrator roles, long form (LTI 1.3 appendix A.2.1 and
# A.2.2) and the LTI 1.1 URN form some platforms still send. Canvas marks
# site admins with system SysAdmin, account admins with institution
# Administrator; Moodle sends institution Administrator for site admins.
_PLATFORM_ADMIN_ROLES = frozenset(
    {
        f"{SYSTEM}#Administrator",
        f"{SYSTEM}#SysAdmin",
        f"{INSTITUTION}#Administrator",
        "urn:lti:sysrole:ims/lis/Administrator",
        "urn:lti:sysrole:ims/lis/SysAdmin",
        "urn:lti:instrole:ims/lis/Administrator",
    }
)


def is_platform_admin(roles: Iterable[str] | None) -> bool:
    """True for the platform's (system or institution) administrator role.

    Course roles never count: ``Administrator`` alone, or
    ``.../membership#Administrator``, administers one course, not the LMS.
    """
    return any(
        isinstance(r, str) and normalise(r) in _PLATFORM_ADMIN_ROLES
        for r in roles or ()
    )
