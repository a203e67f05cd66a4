"""Ways into the admin pages without a password: launch tickets, bootstrap.

An LMS administrator's launch page links to the admin pages through a
ticket: signed with the app's secret, naming the launch and its
registration, valid for a few minutes and good for one use. Redeeming it
records an admin session keyed by the ticket's random id, which is unique
in the database, so a second redemption fails whichever worker serves it.
The link opens a new top-level window, so the session cookie set there is
first-party and works where the LMS frame's cookies are blocked.

The bootstrap code is the way in before any admin account or registration
exists: issued once by the first ``lti-tool init``, kept only as a hash,
used up when the first admin account is created with it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from lti_tool import admin_access
from lti_tool.db import db, utcnow
from lti_tool.models import AdminBootstrap, AdminLaunchSession, AdminUser, Launch
from lti_tool.roles import is_platform_admin
from lti_tool.vocab import Claim

RELAUNCH = (
    "Open Pathmark from your LMS again, then use the administration link on that page."
)
BOOTSTRAP_FALLBACK = (
    "Create an admin account on the server instead: lti-tool admin create NAME"
)
# The single bootstrap row: its primary key makes issuing it a one-time act.
BOOTSTRAP_ID = 1


class EntryRefused(Exception):
    """A ticket or bootstrap code that opens nothing; ``why`` goes to the log."""

    def __init__(self, why: str, status: int, title: str, action: str):
        super().__init__(why)
        self.why = why
        self.status = status
        self.title = title
        self.action = action


def refusal(why: str) -> EntryRefused:
    """The refusal for ``why``, with the status and words the person sees."""
    answers = {
        "expired": (410, "This administration link has expired", RELAUNCH),
        "used": (410, "This administration link was already used", RELAUNCH),
        "invalid": (403, "This administration link is not valid", RELAUNCH),
        "launch_gone": (403, "The launch behind this link has ended", RELAUNCH),
        "not_admin": (
            403,
            "This launch does not carry an administrator role",
            "Only the LMS's site or account administrators may open Pathmark's "
            "administration from a launch. Course roles do not count.",
        ),
        "bootstrap_invalid": (
            403,
            "This set-up link is not valid",
            BOOTSTRAP_FALLBACK,
        ),
        "bootstrap_used": (
            410,
            "This set-up link was already used",
            "Sign in at /admin/login with the account it created. "
            + BOOTSTRAP_FALLBACK,
        ),
        "bootstrap_expired": (410, "This set-up link has expired", BOOTSTRAP_FALLBACK),
        "admin_exists": (
            410,
            "Pathmark already has an administrator",
            "The set-up link only works before the first admin account exists. "
            "Sign in at /admin/login.",
        ),
    }
    status, title, action = answers[why]
    return EntryRefused(why, status, title, action)


class AdminTickets:
    """Issues and redeems launch tickets; sessions end after ``session_max_age``."""

    def __init__(self, secret_key: str, ticket_max_age: int, session_max_age: int):
        self._serializer = URLSafeTimedSerializer(
            secret_key, salt="pathmark-admin-ticket"
        )
        self.ticket_max_age = ticket_max_age
        self.session_max_age = timedelta(seconds=session_max_age)

    def issue(self, launch: Launch) -> str | None:
        """A ticket for an administrator's launch; ``None`` for anyone else."""
        if not is_platform_admin(launch.claims.get(Claim.ROLES)):
            return None
        return self._serializer.dumps(
            {
                "t": secrets.token_urlsafe(24),
                "l": launch.id,
                "r": launch.registration_id,
            }
        )

    def redeem(self, ticket: str, now: datetime | None = None) -> AdminLaunchSession:
        """Start the admin session a ticket grants; the caller commits."""
        now = now or utcnow()
        try:
            data = self._serializer.loads(ticket, max_age=self.ticket_max_age)
        except SignatureExpired:
            raise refusal("expired") from None
        except BadSignature:
            raise refusal("invalid") from None
        if not isinstance(data, dict) or not all(
            isinstance(data.get(k), t) for k, t in (("t", str), ("l", str), ("r", int))
        ):
            raise refusal("invalid")

        launch = db.session.get(Launch, data["l"])
        if (
            launch is None
            or launch.registration_id != data["r"]
            or launch.pending_state is not None
        ):
            raise refusal("launch_gone")
        if not is_platform_admin(launch.claims.get(Claim.ROLES)):
            raise refusal("not_admin")

        row = AdminLaunchSession(
            ticket=data["t"],
            registration_id=launch.registration_id,
            person_id=launch.person_id,
            launch_id=launch.id,
            created_at=now,
            expires_at=now + self.session_max_age,
        )
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise refusal("used") from None
        return row


def end_session(row: AdminLaunchSession, now: datetime | None = None) -> None:
    row.ended_at = now or utcnow()


# -- bootstrap ----------------------------------------------------------------


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def bootstrap_record() -> AdminBootstrap | None:
    return db.session.get(AdminBootstrap, BOOTSTRAP_ID)


def issue_bootstrap(max_age: int, now: datetime | None = None) -> str | None:
    """The one-time code, the first time only; the caller commits.

    ``None`` once a code was ever issued, or when an admin account exists.
    """
    now = now or utcnow()
    if admin_access.count() > 0 or bootstrap_record() is not None:
        return None
    code = secrets.token_urlsafe(32)
    db.session.add(
        AdminBootstrap(
            id=BOOTSTRAP_ID,
            code_hash=_digest(code),
            created_at=now,
            expires_at=now + timedelta(seconds=max_age),
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # another init issued it at the same moment
        db.session.rollback()
        return None
    return code


def check_bootstrap(code: str, now: datetime | None = None) -> AdminBootstrap:
    """The bootstrap record if ``code`` still opens the first set-up."""
    now = now or utcnow()
    record = bootstrap_record()
    if record is None or not secrets.compare_digest(
        record.code_hash, _digest(code or "")
    ):
        raise refusal("bootstrap_invalid")
    if record.used_at is not None:
        raise refusal("bootstrap_used")
    if record.expires_at <= now:
        raise refusal("bootstrap_expired")
    if admin_access.count() > 0:
        raise refusal("admin_exists")
    return record


def use_bootstrap(
    code: str, username: str, password: str, now: datetime | None = None
) -> AdminUser:
    """Create the first admin account with the code, using it up.

    The caller commits; on ``admin_access.AdminError`` it rolls back, which
    leaves the code unused.
    """
    now = now or utcnow()
    check_bootstrap(code, now)
    # One conditional UPDATE: of two requests racing with the code, one wins.
    result = db.session.execute(
        update(AdminBootstrap)
        .where(
            AdminBootstrap.id == BOOTSTRAP_ID,
            AdminBootstrap.code_hash == _digest(code),
            AdminBootstrap.used_at.is_(None),
            AdminBootstrap.expires_at > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise refusal("bootstrap_used")
    return admin_access.create(username, password)
