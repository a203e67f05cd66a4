"""Role URIs normalised, and the course rights they give (no app needed)."""

from __future__ import annotations

import pytest

from lti_tool.roles import (
    CourseRole,
    context_role_parts,
    course_role,
    is_institution_role,
    is_platform_admin,
    normalise,
)
from lti_tool.vocab import INSTITUTION, MEMBERSHIP, SYSTEM, ContextRole


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("Instructor", ContextRole.INSTRUCTOR),
        ("Learner", ContextRole.LEARNER),
        ("Mentor", ContextRole.MENTOR),
        ("ContentDeveloper", ContextRole.CONTENT_DEVELOPER),
        (" Instructor ", ContextRole.INSTRUCTOR),
    ],
)
def test_short_roles_become_full_uris(short, long):
    assert normalise(short) == long.value


def test_full_and_unknown_roles_come_back_unchanged():
    assert normalise(ContextRole.LEARNER.value) == ContextRole.LEARNER.value
    assert normalise("urn:example:Teacher") == "urn:example:Teacher"


def test_sub_roles_name_their_principal():
    assert context_role_parts(ContextRole.TEACHING_ASSISTANT.value) == (
        "Instructor",
        "TeachingAssistant",
    )
    assert context_role_parts("Learner") == ("Learner", None)
    assert context_role_parts(f"{INSTITUTION}#Instructor") is None


@pytest.mark.parametrize(
    "roles",
    [
        [ContextRole.INSTRUCTOR.value],
        ["Instructor"],
        [ContextRole.TEACHING_ASSISTANT.value],
        [f"{MEMBERSHIP}/Instructor#Grader"],
        [ContextRole.MENTOR.value],
        ["Mentor"],
        [f"{MEMBERSHIP}/Mentor#Advisor"],
        [ContextRole.CONTENT_DEVELOPER.value],
        ["ContentDeveloper"],
        # Staff wins over learner, whatever the order.
        [ContextRole.LEARNER.value, ContextRole.INSTRUCTOR.value],
        [ContextRole.INSTRUCTOR.value, ContextRole.LEARNER.value],
    ],
)
def test_staff_roles(roles):
    assert course_role(roles) is CourseRole.STAFF


@pytest.mark.parametrize(
    "roles",
    [
        [ContextRole.LEARNER.value],
        ["Learner"],
        [f"{MEMBERSHIP}/Learner#NonCreditLearner"],
        [f"{INSTITUTION}#Instructor", ContextRole.LEARNER.value],
    ],
)
def test_learner_roles(roles):
    assert course_role(roles) is CourseRole.LEARNER


@pytest.mark.parametrize(
    "roles",
    [
        # Institution and system roles say nothing about this course.
        [f"{INSTITUTION}#Instructor"],
        [f"{INSTITUTION}#Faculty", f"{INSTITUTION}#Staff"],
        [f"{SYSTEM}#Administrator"],
        [f"{INSTITUTION}#Administrator", f"{SYSTEM}#SysAdmin"],
        # No roles, or nothing readable: least privilege.
        [],
        None,
        ["", "  ", "Teacher", "urn:lti:role:ims/lis/Instructor"],
        [None, 7, {"role": "Instructor"}],
        # Other membership roles give no rights here.
        [ContextRole.MEMBER.value, ContextRole.OFFICER.value],
        [ContextRole.ADMINISTRATOR.value, ContextRole.MANAGER.value],
        # A role hidden in a longer URI is not that role.
        [f"{MEMBERSHIP}x#Instructor", f"{MEMBERSHIP}#Instructorx"],
    ],
)
def test_roles_that_give_nothing_in_the_course(roles):
    assert course_role(roles) is CourseRole.NONE


def test_a_roles_string_instead_of_a_list_gives_nothing():
    assert course_role("Instructor") is CourseRole.NONE


def test_institution_roles_are_recognised():
    assert is_institution_role(f"{INSTITUTION}#Instructor")
    assert is_institution_role(f"{SYSTEM}#Administrator")
    assert not is_institution_role("Instructor")


def test_platform_admin_comes_from_system_or_institution_roles_only():
    assert is_platform_admin([f"{SYSTEM}#Administrator"])
    assert is_platform_admin([f"{SYSTEM}#SysAdmin"])  # Canvas site admins
    assert is_platform_admin([f"{INSTITUTION}#Administrator"])
    assert is_platform_admin([f" {INSTITUTION}#Administrator "])
    # The LTI 1.1 URN forms.
    assert is_platform_admin(["urn:lti:sysrole:ims/lis/SysAdmin"])
    assert is_platform_admin(["urn:lti:instrole:ims/lis/Administrator"])
    assert not is_platform_admin([f"{SYSTEM}#User", f"{INSTITUTION}#Faculty"])
    assert not is_platform_admin([f"{SYSTEM}#administrator"])
    assert not is_platform_admin([f"{MEMBERSHIP}/Administrator#Administrator"])
    assert not is_platform_admin(["urn:lti:role:ims/lis/Administrator"])
    assert not is_platform_admin([ContextRole.ADMINISTRATOR.value])
    assert not is_platform_admin(["Administrator"])
    assert not is_platform_admin(None)
