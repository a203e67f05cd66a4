"""Tool administrators: accounts, passwords, and who is signed in.

Accounts are created on the server with ``lti-tool admin create``, or the
first one through the set-up link the first ``lti-tool init`` prints.
An LMS administrator may also arrive from a launch (see ``admin_tickets``):
that session reaches only the registration the launch came from.
Passwords are kept as werkzeug hashes (scrypt); signing in compares in
constant time and spends the same work when the name is unknown, so timing
does not reveal which names exist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from lti_tool.db import db, utcnow
from lti_tool.models import AdminLaunchSession, AdminUser

MIN_PASSWORD_LENGTH = 12
# Guessing is slowed per account: after this many wrong passwords in a row
# the account refuses every password for LOCK_TIME.
MAX_FAILED_SIGN_INS = 10
LOCK_TIME = timedelta(minutes=15)

# Checked when the name is unknown, so both paths cost one hash check.
_DUMMY_HASH = generate_password_hash("pathmark-no-such-admin")


class AdminError(ValueError):
    """An admin account cannot be created or changed as asked."""


class SignInFailed(Exception):
    """Wrong name or password, or the account is disabled."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )


def _normalise(username: str) -> str:
    return username.strip().lower()


def find(username: str) -> AdminUser | None:
    return db.session.scalar(
        select(AdminUser).where(AdminUser.username == _normalise(username))
    )


def count() -> int:
    return int(db.session.scalar(select(func.count(AdminUser.id))) or 0)


def create(username: str, password: str) -> AdminUser:
    """A new active admin; the caller commits."""
    name = _normalise(username)
    if not name or len(name) > 150 or any(c.isspace() for c in name):
        raise AdminError("the user name must be 1-150 characters without spaces")
    if find(name) is not None:
        raise AdminError(f"an admin named {name!r} exists already")
    _check_password(password)
    admin = AdminUser(username=name, password_hash=generate_password_hash(password))
    db.session.add(admin)
    db.session.flush()
    return admin


def set_password(username: str, password: str) -> AdminUser:
    """A new password; sessions started with the old one end."""
    admin = find(username)
    if admin is None:
        raise AdminError(f"no admin named {_normalise(username)!r}")
    _check_password(password)
    admin.password_hash = generate_password_hash(password)
    admin.active = True
    admin.session_version += 1
    admin.failed_sign_ins = 0
    admin.locked_until = None
    db.session.flush()
    return admin


def disable(username: str) -> AdminUser:
    """The account can no longer sign in; its sessions end."""
    admin = find(username)
    if admin is None:
        raise AdminError(f"no admin named {_normalise(username)!r}")
    admin.active = False
    admin.session_version += 1
    db.session.flush()
    return admin


def list_admins() -> list[AdminUser]:
    return list(db.session.scalars(select(AdminUser).order_by(AdminUser.username)))


def sign_in(username: str, password: str, now: datetime | None = None) -> AdminUser:
    """The admin these credentials name.

    The caller commits in both outcomes: a failure counts towards the lock.
    """
    now = now or utcnow()
    admin = find(username)
    if admin is None:
        check_password_hash(_DUMMY_HASH, password)
        raise SignInFailed("unknown user")
    correct = check_password_hash(admin.password_hash, password)
    if admin.locked_until is not None and admin.locked_until > now:
        raise SignInFailed("locked")
    if not correct:
        # One UPDATE, so parallel guesses cannot overwrite each other's count.
        db.session.execute(
            update(AdminUser)
            .where(AdminUser.id == admin.id)
            .values(failed_sign_ins=AdminUser.failed_sign_ins + 1)
        )
        db.session.refresh(admin)
        if admin.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            admin.failed_sign_ins = 0
            admin.locked_until = now + LOCK_TIME
        raise SignInFailed("wrong password")
    if not admin.active:
        raise SignInFailed("disabled")
    admin.failed_sign_ins = 0
    admin.locked_until = None
    admin.last_login_at = now
    return admin


def session_admin(
    admin_id: object,
    version: object,
    since: object = None,
    max_age: int | None = None,
    now: float | None = None,
) -> AdminUser | None:
    """The admin a session names, if still active and still current.

    With ``max_age``, the session must also have started (``since``, Unix
    seconds from the signed cookie) at most that many seconds ago.
    """
    if not isinstance(admin_id, int) or not isinstance(version, int):
        return None
    if max_age is not None:
        if not isinstance(since, int):
            return None
        age = (time.time() if now is None else now) - since
        if not 0 <= age <= max_age:
            return None
    admin = db.session.get(AdminUser, admin_id)
    if admin is None or not admin.active or admin.session_version != version:
        return None
    return admin


@dataclass(frozen=True)
class SignedIn:
    """Who is using the admin pages, as the pages and log lines need it.

    ``registration_id`` is ``None`` for an account (every registration) and
    the launch's registration for a session opened from an LMS launch.
    """

    label: str
    log_ids: dict[str, int] = field(default_factory=dict)
    registration_id: int | None = None
    launch_session: AdminLaunchSession | None = None

    def reaches(self, registration_id: int) -> bool:
        return self.registration_id in (None, registration_id)


def launch_session(
    session_id: object, now: datetime | None = None
) -> AdminLaunchSession | None:
    """The launch admin session a cookie names, unless ended or expired."""
    if not isinstance(session_id, int):
        return None
    row = db.session.get(AdminLaunchSession, session_id)
    if row is None or row.ended_at is not None or row.expires_at <= (now or utcnow()):
        return None
    return row


def signed_in(
    admin_id: object,
    version: object,
    launch_session_id: object,
    since: object = None,
    max_age: int | None = None,
) -> SignedIn | None:
    """Who the session cookie's values name, or ``None``."""
    account = session_admin(admin_id, version, since, max_age)
    if account is not None:
        return SignedIn(account.username, {"admin": account.id})
    row = launch_session(launch_session_id)
    if row is None:
        return None
    reg = row.registration
    label = (
        f"{row.person.name or 'an LMS administrator'} "
        f"(administrator of {reg.name or reg.issuer})"
    )
    return SignedIn(label, {"admin_session": row.id}, row.registration_id, row)
