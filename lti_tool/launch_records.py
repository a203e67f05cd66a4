"""Who launched, where, as what: courses, people, memberships, links.

Each accepted launch brings the latest names and roles; these are written
over the stored ones, keyed on the platform's ids, never on email.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from lti_tool import catalogue
from lti_tool.db import db, utcnow
from lti_tool.launch_validation import ValidatedLaunch
from lti_tool.models import Course, Launch, Membership, Person, ResourceLink
from lti_tool.roles import CourseRole, course_role
from lti_tool.vocab import Claim


def _text(value: Any, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def record_launch(validated: ValidatedLaunch, pending_state: str | None) -> Launch:
    """Store the launch and everything it says about course and person."""
    claims = validated.claims
    reg = validated.registration

    person = db.session.scalar(
        select(Person).where(
            Person.registration_id == reg.id, Person.sub == claims["sub"]
        )
    ) or Person(registration_id=reg.id, sub=claims["sub"])
    person.name = _text(claims.get("name")) or " ".join(
        p
        for p in (_text(claims.get("given_name")), _text(claims.get("family_name")))
        if p
    )
    person.email = _text(claims.get("email"), 320)
    db.session.add(person)
    db.session.flush()

    roles = [r for r in claims.get(Claim.ROLES) or [] if isinstance(r, str)]
    role = course_role(roles)

    course = None
    context = claims.get(Claim.CONTEXT)
    if isinstance(context, dict) and isinstance(context.get("id"), str):
        course = db.session.scalar(
            select(Course).where(
                Course.registration_id == reg.id, Course.context_id == context["id"]
            )
        ) or Course(registration_id=reg.id, context_id=context["id"])
        course.title = _text(context.get("title"))
        course.label = _text(context.get("label"))
        db.session.add(course)
        db.session.flush()
        membership = db.session.scalar(
            select(Membership).where(
                Membership.course_id == course.id, Membership.person_id == person.id
            )
        ) or Membership(course_id=course.id, person_id=person.id)
        membership.roles = roles
        membership.course_role = role.value
        db.session.add(membership)
    else:
        # Without a course, no course rights: least privilege.
        role = CourseRole.NONE

    link = None
    link_claim = claims.get(Claim.RESOURCE_LINK)
    if isinstance(link_claim, dict) and isinstance(link_claim.get("id"), str):
        link = db.session.scalar(
            select(ResourceLink).where(
                ResourceLink.deployment_id == validated.deployment.id,
                ResourceLink.link_id == link_claim["id"],
            )
        ) or ResourceLink(
            deployment_id=validated.deployment.id, link_id=link_claim["id"]
        )
        link.course_id = course.id if course else None
        link.title = _text(link_claim.get("title"))
        custom = claims.get(Claim.CUSTOM)
        link.custom = custom if isinstance(custom, dict) else {}
        credential = link.custom.get("credential")
        link.credential_key = credential if isinstance(credential, str) else None
        link.credential_version_id = catalogue.placed_version(
            credential, link.custom.get("credential_version")
        )
        ags = claims.get(Claim.AGS_ENDPOINT)
        if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
            link.lineitem_url = ags["lineitem"]
        db.session.add(link)

    db.session.flush()
    launch = Launch(
        id=secrets.token_urlsafe(24),
        registration_id=reg.id,
        deployment_id=validated.deployment.id,
        person_id=person.id,
        course_id=course.id if course else None,
        resource_link_id=link.id if link else None,
        message_type=claims[Claim.MESSAGE_TYPE],
        course_role=role.value,
        claims=claims,
        pending_state=pending_state,
        created_at=utcnow(),
    )
    db.session.add(launch)
    db.session.flush()
    return launch
