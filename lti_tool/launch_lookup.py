"""Everything a launch's validation reads from the database, in one query.

A launch names its registration (``iss``, ``aud``), its login state and
its deployment; the platform key set hangs off the registration. Reading
them one statement at a time cost four round trips and four ORM loads per
launch. Here one prepared Core statement fetches them together as plain
values, left-joined on the registration, so each missing part still shows
as missing and every validation step keeps its own refusal. Nothing read
here is trusted before the step that checks it: the token's signature is
verified before the state, nonce or deployment count for anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select

from lti_tool.db import db
from lti_tool.models import Deployment, LoginState, PlatformKeySet, Registration


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


_reg = Registration.__table__
_login = LoginState.__table__
_dep = Deployment.__table__
_keys = PlatformKeySet.__table__

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
    )
    .where(_reg.c.issuer == bindparam("issuer"))
    .where(_reg.c.client_id == bindparam("client_id"))
)


def find_launch_rows(
    issuer: str, client_id: str, state: str, deployment_id: str | None
) -> LaunchRows | None:
    """The registration ``(issuer, client_id)`` with this launch's parts."""
    row = (
        db.session.connection()
        .execute(
            _LOOKUP,
            {
                "issuer": issuer,
                "client_id": client_id,
                "state": state,
                "deployment_id": deployment_id,
            },
        )
        .first()
    )
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
    )
