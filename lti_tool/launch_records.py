"""Who launched, where, as what: courses, people, memberships, links.

Each accepted launch brings the latest names and roles; these are written
over the stored ones, keyed on the platform's ids, never on email. Many
learners open a new course at once, so rows are found or inserted with
``ON CONFLICT DO NOTHING``: the loser of a race reads the winner's row.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from lti_tool import catalogue
from lti_tool.db import db, utcnow
from lti_tool.launch_validation import ValidatedLaunch
from lti_tool.models import Course, Launch, Membership, Person, ResourceLink
from lti_tool.roles import CourseRole, course_role
from lti_tool.vocab import Claim

Row = TypeVar("Row")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _text(value: Any, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _find_or_insert(
    model: type[Row], defaults: dict[str, Any] | None = None, **key: Any
) -> Row:
    """The row with this unique key, inserted (with ``defaults``) if missing."""
    query = select(model).filter_by(**key)
    row = db.session.scalar(query)
    if row is not None:
        return row
    insert = _INSERTS[db.session.get_bind().dialect.name]
    values = {**(defaults or {}), **key}
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())
    return db.session.scalars(query).one()


def record_launch(validated: ValidatedLaunch, pending_state: str | None) -> Launch:
    """Store the launch and everything it says about course and person."""
    claims = validated.claims
    reg = validated.registration

    person = _find_or_insert(Person, registration_id=reg.id, sub=claims["sub"])
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
        course = _find_or_insert(
            Course, registration_id=reg.id, context_id=context["id"]
        )
        course.title = _text(context.get("title"))
        course.label = _text(context.get("label"))
        db.session.add(course)
        db.session.flush()
        membership = _find_or_insert(
            Membership,
            course_id=course.id,
            person_id=person.id,
            defaults={"course_role": role.value},
        )
        membership.roles = roles
        membership.course_role = role.value
        db.session.add(membership)
    else:
        # Without a course, no course rights: least privilege.
        role = CourseRole.NONE

    link = None
    link_claim = claims.get(Claim.RESOURCE_LINK)
    if isinstance(link_claim, dict) and isinstance(link_claim.get("id"), str):
        link = _find_or_insert(
            ResourceLink,
            deployment_id=validated.deployment.id,
            link_id=link_claim["id"],
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
