"""Who launched, where, as what: courses, people, memberships, links.

Each accepted launch brings the latest names and roles; these are written
over the stored ones, keyed on the platform's ids, never on email. Every
row is written with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``:
many learners open a new course at once and no launch fails on another's
insert, and a repeat launch costs one statement per row, not a read, then
an update.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from lti_tool import catalogue
from lti_tool.db import db, utcnow
from lti_tool.launch_validation import ValidatedLaunch
from lti_tool.models import Course, Launch, Membership, Person, ResourceLink
from lti_tool.roles import CourseRole, course_role
from lti_tool.vocab import Claim

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _text(value: Any, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _upsert(model: type[db.Model], key: dict[str, Any], values: dict[str, Any]) -> int:
    """Insert the row with this unique key, or update it; return its id."""
    table = model.__table__
    insert = _INSERTS[db.session.get_bind().dialect.name](table)
    statement = (
        insert.values(**key, **values)
        .on_conflict_do_update(index_elements=list(key), set_=values)
        .returning(table.c.id)
    )
    return db.session.execute(statement).scalar_one()


def record_launch(validated: ValidatedLaunch, pending_state: str | None) -> Launch:
    """Store the launch and everything it says about course and person."""
    claims = validated.claims
    reg_id = validated.registration.id
    deployment_id = validated.deployment.id
    now = utcnow()

    name = _text(claims.get("name")) or " ".join(
        p
        for p in (_text(claims.get("given_name")), _text(claims.get("family_name")))
        if p
    )
    person_id = _upsert(
        Person,
        {"registration_id": reg_id, "sub": claims["sub"]},
        {"name": name, "email": _text(claims.get("email"), 320), "updated_at": now},
    )

    roles = [r for r in claims.get(Claim.ROLES) or [] if isinstance(r, str)]
    role = course_role(roles)

    course_id = None
    context = claims.get(Claim.CONTEXT)
    if isinstance(context, dict) and isinstance(context.get("id"), str):
        course_id = _upsert(
            Course,
            {"registration_id": reg_id, "context_id": context["id"]},
            {
                "title": _text(context.get("title")),
                "label": _text(context.get("label")),
                "updated_at": now,
            },
        )
        _upsert(
            Membership,
            {"course_id": course_id, "person_id": person_id},
            {"roles": roles, "course_role": role.value, "updated_at": now},
        )
    else:
        # Without a course, no course rights: least privilege.
        role = CourseRole.NONE

    link_id = None
    link_claim = claims.get(Claim.RESOURCE_LINK)
    if isinstance(link_claim, dict) and isinstance(link_claim.get("id"), str):
        custom = claims.get(Claim.CUSTOM)
        custom = custom if isinstance(custom, dict) else {}
        credential = custom.get("credential")
        values: dict[str, Any] = {
            "course_id": course_id,
            "title": _text(link_claim.get("title")),
            "custom": custom,
            "credential_key": credential if isinstance(credential, str) else None,
            "credential_version_id": catalogue.placed_version(
                credential, custom.get("credential_version")
            ),
            "updated_at": now,
        }
        ags = claims.get(Claim.AGS_ENDPOINT)
        if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
            values["lineitem_url"] = ags["lineitem"]
        link_id = _upsert(
            ResourceLink,
            {"deployment_id": deployment_id, "link_id": link_claim["id"]},
            values,
        )

    launch = Launch(
        id=secrets.token_urlsafe(24),
        registration_id=reg_id,
        deployment_id=deployment_id,
        person_id=person_id,
        course_id=course_id,
        resource_link_id=link_id,
        message_type=claims[Claim.MESSAGE_TYPE],
        course_role=role.value,
        claims=claims,
        pending_state=pending_state,
        created_at=now,
    )
    db.session.add(launch)
    db.session.flush()
    return launch
