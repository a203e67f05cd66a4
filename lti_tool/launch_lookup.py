"""Everything a launch reads from the database, in one query.

A launch names its registration (``iss``, ``aud``), its login state and
its deployment; the platform key set hangs off the registration; and the
person, course, membership and resource link it will record may already
be stored. Reading them one statement at a time cost eight round trips and
as many ORM loads per launch. Here one prepared Core statement fetches
them together as plain values, left-joined on the registration, so each
missing part still shows as missing and every validation step keeps its
own refusal. Nothing read here is trusted before the step that checks it:
the token's signature is verified before the state, nonce, deployment or
stored rows count for anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Row

from lti_tool.db import db
from lti_tool.models import (
    Course,
    Deployment,
    LoginState,
    Membership,
    Person,
    PlatformKeySet,
    Registration,
    ResourceLink,
)
from lti_tool.vocab import Claim


@dataclass(frozen=True)
class LoginRecord:
    """A login state as stored: who started it, when, and how to finish it."""

    state: str
    nonce: str
    registration_id: int
    created_at: datetime
    used_at: datetime | None
    storage_target: str | None
    storage_origin: str | None
    login_params: dict[str, Any]


@dataclass(frozen=True)
class LaunchRows:
    """The registration a token names, and what hangs off it for this launch."""

    registration_id: int
    issuer: str
    client_id: str
    key_set_url: str
    # When this worker or another last fetched the key set (None: never).
    keys_fetched_at: datetime | None
    login: LoginRecord | None
    # The deployment's row id and status (None: not registered).
    deployment_row: int | None
    deployment_status: str | None
    # The stored person, course, membership and resource link the claims
    # name: ``person_id``, ``person_name``, ... ``link_lineitem_url``, NULL
    # where there is none yet (see lti_tool.launch_records).
    known: Row


_reg = Registration.__table__
_login = LoginState.__table__
_dep = Deployment.__table__
_keys = PlatformKeySet.__table__
_person = Person.__table__
_course = Course.__table__
_member = Membership.__table__
_link = ResourceLink.__table__

# Built once: SQLAlchemy compiles it once per dialect and reuses it.
_LOOKUP = (
    select(
        _reg.c.id,
        _reg.c.issuer,
        _reg.c.client_id,
        _reg.c.key_set_url,
        _keys.c.fetched_at,
        _login.c.state,
        _login.c.nonce,
        _login.c.registration_id.label("login_registration_id"),
        _login.c.created_at,
        _login.c.used_at,
        _login.c.storage_target,
        _login.c.storage_origin,
        _login.c.login_params,
        _dep.c.id.label("deployment_row"),
        _dep.c.status,
        _person.c.id.label("person_id"),
        _person.c.name.label("person_name"),
        _person.c.email.label("person_email"),
        _course.c.id.label("course_id"),
        _course.c.title.label("course_title"),
        _course.c.label.label("course_label"),
        _member.c.id.label("member_id"),
        _member.c.roles.label("member_roles"),
        _member.c.course_role.label("member_course_role"),
        _link.c.id.label("link_id"),
        _link.c.course_id.label("link_course_id"),
        _link.c.title.label("link_title"),
        _link.c.custom.label("link_custom"),
        _link.c.credential_key.label("link_credential_key"),
        _link.c.credential_version_id.label("link_credential_version_id"),
        _link.c.lineitem_url.label("link_lineitem_url"),
    )
    .select_from(
        _reg.outerjoin(_keys, _keys.c.url == _reg.c.key_set_url)
        .outerjoin(_login, _login.c.state == bindparam("state"))
        .outerjoin(
            _dep,
            and_(
                _dep.c.registration_id == _reg.c.id,
                _dep.c.deployment_id == bindparam("deployment_id"),
            ),
        )
        .outerjoin(
            _person,
            and_(
                _person.c.registration_id == _reg.c.id,
                _person.c.sub == bindparam("sub"),
            ),
        )
        .outerjoin(
            _course,
            and_(
                _course.c.registration_id == _reg.c.id,
                _course.c.context_id == bindparam("context_id"),
            ),
        )
        .outerjoin(
            _member,
            and_(
                _member.c.course_id == _course.c.id,
                _member.c.person_id == _person.c.id,
            ),
        )
        .outerjoin(
            _link,
            and_(
                _link.c.deployment_id == _dep.c.id,
                _link.c.link_id == bindparam("link_id"),
            ),
        )
    )
    .where(_reg.c.issuer == bindparam("issuer"))
    .where(_reg.c.client_id == bindparam("client_id"))
)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def claim_id(claim: Any) -> str | None:
    """The ``id`` of a context or resource link claim, if it is text."""
    return _text_or_none(claim.get("id")) if isinstance(claim, dict) else None


def find_launch_rows(
    issuer: str, client_id: str, state: str, body: dict[str, Any]
) -> LaunchRows | None:
    """The registration ``(issuer, client_id)`` with this launch's parts.

    ``body`` is the id_token's claims, not yet verified: only read with.
    """
    params = {
        "issuer": issuer,
        "client_id": client_id,
        "state": state,
        "deployment_id": _text_or_none(body.get(Claim.DEPLOYMENT_ID)),
        "sub": _text_or_none(body.get("sub")),
        "context_id": claim_id(body.get(Claim.CONTEXT)),
        "link_id": claim_id(body.get(Claim.RESOURCE_LINK)),
    }
    row = db.session.connection().execute(_LOOKUP, params).first()
    if row is None:
        return None
    login = None
    if row.state is not None:
        login = LoginRecord(
            state=row.state,
            nonce=row.nonce,
            registration_id=row.login_registration_id,
            created_at=row.created_at,
            used_at=row.used_at,
            storage_target=row.storage_target,
            storage_origin=row.storage_origin,
            login_params=row.login_params or {},
        )
    return LaunchRows(
        registration_id=row.id,
        issuer=row.issuer,
        client_id=row.client_id,
        key_set_url=row.key_set_url,
        keys_fetched_at=row.fetched_at,
        login=login,
        deployment_row=row.deployment_row,
        deployment_status=row.status,
        known=row,
    )
