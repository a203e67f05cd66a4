"""How often one client address may open ``/lti/register``.

Each opening makes Pathmark fetch a URL the visitor chose, so a visitor
must not turn it into a stream of outbound requests. Attempts live in the
database, so every worker counts the same ones; the address is kept only
as a keyed hash. Two workers may both let through the attempt that
reaches the limit at the same instant: the limit is modest, not exact.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from lti_tool.db import db
from lti_tool.models import RegistrationAttempt


@dataclass(frozen=True)
class AttemptLimit:
    """At most ``attempts`` per ``window`` from one address; 0 turns it off."""

    attempts: int
    window: timedelta
    secret: str

    def key(self, address: str) -> str:
        digest = hmac.new(self.secret.encode(), address.encode(), hashlib.sha256)
        return digest.hexdigest()

    def admit(self, address: str, now: datetime) -> int | None:
        """Record an attempt and return None, or the seconds to wait.

        The caller commits the session.
        """
        if self.attempts <= 0:
            return None
        since = now - self.window
        db.session.execute(
            delete(RegistrationAttempt).where(RegistrationAttempt.attempted_at < since)
        )
        key = self.key(address)
        recent = select(
            func.count(RegistrationAttempt.id),
            func.min(RegistrationAttempt.attempted_at),
        ).where(
            RegistrationAttempt.client_key == key,
            RegistrationAttempt.attempted_at >= since,
        )
        count, oldest = db.session.execute(recent).one()
        if count >= self.attempts:
            wait = (oldest + self.window - now).total_seconds()
            return max(1, int(wait) + 1)
        db.session.add(RegistrationAttempt(client_key=key, attempted_at=now))
        db.session.flush()
        return None
