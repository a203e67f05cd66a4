"""Who launched, where, as what: courses, people, memberships, links.

Each accepted launch brings the latest names and roles; these are written
over the stored ones, keyed on the platform's ids, never on email.

Most launches repeat what the last one said, so the stored rows are read
with the rest of the launch (:mod:`lti_tool.launch_lookup`), before any
write lock is taken, and only rows that are new or changed are written.
Each is written with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``:
many learners open a new course at once and no launch fails on another's
insert. ``updated_at`` therefore says when the stored values last changed.

SQLAlchemy does not cache the compiled form of its dialects' upsert
constructs, and compiling one cost more than running it; the upserts are
written here as text from the table's metadata instead (the syntax is the
same on SQLite and PostgreSQL), which SQLAlchemy caches like any other
statement. Every statement is built once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, insert, text
from sqlalchemy.engine import Connection, Row

from lti_tool import catalogue
from lti_tool.db import db, utcnow
from lti_tool.launch_lookup import claim_id
from lti_tool.launch_validation import ValidatedLaunch
from lti_tool.models import Course, Launch, Membership, Person, ResourceLink
from lti_tool.roles import CourseRole, course_role
from lti_tool.vocab import Claim

_person: Table = Person.__table__
_course: Table = Course.__table__
_member: Table = Membership.__table__
_link: Table = ResourceLink.__table__
_launch: Table = Launch.__table__

_INSERT_LAUNCH = insert(_launch)
_upserts: dict[tuple[str, str, tuple[str, ...]], TextClause] = {}


@dataclass(frozen=True)
class RecordedLaunch:
    """The stored launch's ids, as plain values that outlive the commit."""

    id: str
    registration_id: int
    deployment_id: int
    person_id: int
    course_id: int | None
    resource_link_id: int | None
    message_type: str
    course_role: str


def _text(value: Any, limit: int = 1000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _upsert(
    connection: Connection,
    table: Table,
    key: dict[str, Any],
    values: dict[str, Any],
) -> int:
    """Insert the row with this unique key, or update it; return its id."""
    cache_key = (connection.dialect.name, table.name, (*key, *values))
    statement = _upserts.get(cache_key)
    if statement is None:
        statement = _upsert_statement(connection, table, tuple(key), tuple(values))
        _upserts[cache_key] = statement
    return connection.execute(statement, {**key, **values}).scalar_one()


def _upsert_statement(
    connection: Connection, table: Table, key: tuple[str, ...], columns: tuple[str, ...]
) -> TextClause:
    quote = connection.dialect.identifier_preparer.quote
    names = (*key, *columns)
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) "
        f"VALUES ({', '.join(':' + c for c in names)}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns)
        + f" RETURNING {quote('id')}"
    )
    binds = [bindparam(c, type_=table.c[c].type) for c in names]
    return text(sql).bindparams(*binds).columns(table.c.id)


def _same(stored: Row, prefix: str, values: dict[str, Any]) -> bool:
    """True when the stored row exists and holds every one of ``values``."""
    if getattr(stored, f"{prefix}_id") is None:
        return False
    return all(
        getattr(stored, f"{prefix}_{column}") == value
        for column, value in values.items()
    )


def record_launch(
    validated: ValidatedLaunch, pending_state: str | None
) -> RecordedLaunch:
    """Store the launch and everything it says about course and person."""
    connection = db.session.connection()
    known = validated.known
    claims = validated.claims
    reg_id = validated.registration_id
    now = utcnow()

    name = _text(claims.get("name")) or " ".join(
        p
        for p in (_text(claims.get("given_name")), _text(claims.get("family_name")))
        if p
    )
    person = {"name": name, "email": _text(claims.get("email"), 320)}
    person_id = known.person_id
    if not _same(known, "person", person):
        person_id = _upsert(
            connection,
            _person,
            {"registration_id": reg_id, "sub": claims["sub"]},
            {**person, "updated_at": now},
        )

    roles = [r for r in claims.get(Claim.ROLES) or [] if isinstance(r, str)]
    role = course_role(roles)

    course_id = None
    context = claims.get(Claim.CONTEXT)
    context_id = claim_id(context)
    if context_id is not None:
        course = {
            "title": _text(context.get("title")),
            "label": _text(context.get("label")),
        }
        course_id = known.course_id
        if not _same(known, "course", course):
            course_id = _upsert(
                connection,
                _course,
                {"registration_id": reg_id, "context_id": context_id},
                {**course, "updated_at": now},
            )
        member = {"roles": roles, "course_role": role.value}
        if not _same(known, "member", member):
            _upsert(
                connection,
                _member,
                {"course_id": course_id, "person_id": person_id},
                {**member, "updated_at": now},
            )
    else:
        # Without a course, no course rights: least privilege.
        role = CourseRole.NONE

    link_id = _record_link(connection, validated, known, course_id, now)

    launch = RecordedLaunch(
        id=secrets.token_urlsafe(24),
        registration_id=reg_id,
        deployment_id=validated.deployment_id,
        person_id=person_id,
        course_id=course_id,
        resource_link_id=link_id,
        message_type=claims[Claim.MESSAGE_TYPE],
        course_role=role.value,
    )
    connection.execute(
        _INSERT_LAUNCH,
        {
            **launch.__dict__,
            "claims": claims,
            "pending_state": pending_state,
            "created_at": now,
        },
    )
    return launch


def _record_link(
    connection: Connection,
    validated: ValidatedLaunch,
    known: Row,
    course_id: int | None,
    now: datetime,
) -> int | None:
    claims = validated.claims
    link_claim = claims.get(Claim.RESOURCE_LINK)
    link_id = claim_id(link_claim)
    if link_id is None:
        return None
    custom = claims.get(Claim.CUSTOM)
    custom = custom if isinstance(custom, dict) else {}
    credential = custom.get("credential")
    link: dict[str, Any] = {
        "course_id": course_id,
        "title": _text(link_claim.get("title")),
        "custom": custom,
        "credential_key": credential if isinstance(credential, str) else None,
    }
    if _same(known, "link", {"custom": custom}):
        # The same parameters name the same placed version: no catalogue read.
        link["credential_version_id"] = known.link_credential_version_id
    else:
        link["credential_version_id"] = catalogue.placed_version(
            credential, custom.get("credential_version"), course_id
        )
    ags = claims.get(Claim.AGS_ENDPOINT)
    if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
        link["lineitem_url"] = ags["lineitem"]
    if _same(known, "link", link):
        return known.link_id
    return _upsert(
        connection,
        _link,
        {"deployment_id": validated.deployment_id, "link_id": link_id},
        {**link, "updated_at": now},
    )
