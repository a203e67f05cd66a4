"""Access tokens for LTI services: client credentials with a signed JWT.

LTI 1.3 security framework, section 4.1 (client credentials grant with a
JWT assertion, RFC 7523). The assertion carries ``iss`` = ``sub`` = the
client_id, ``aud`` = the token URL exactly as registered (or the
registration's audience), a unique ``jti`` and a short ``exp``. Tokens live
in the database, keyed by registration and scope set, so every worker
reuses them until shortly before they expire; one worker at a time asks
the platform for a new one while the others wait for it. pylti1p3's own
cache is per process, which is why this is written here.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.keys import KeyRing
from lti_tool.models import Registration, ServiceToken

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300
# A token is given up this long before the platform's expiry.
EXPIRY_MARGIN = timedelta(seconds=60)
# How long one worker may take to fetch a token before another tries.
REFRESH_LEASE = timedelta(seconds=30)


class TokenError(RuntimeError):
    """The platform gave no token; ``retry_after`` when it said to wait.

    ``refused`` when Pathmark's outbound address policy would not call the
    token endpoint at all: no retry helps until the registration changes.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        retry_after=None,
        refused: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.refused = refused


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: datetime


def scope_key(scopes: Iterable[str]) -> str:
    return " ".join(sorted(set(scopes)))


def assertion_claims(reg: Registration, now: int | None = None) -> dict:
    now = int(time.time()) if now is None else now
    return {
        "iss": reg.client_id,
        "sub": reg.client_id,
        "aud": reg.auth_audience or reg.auth_token_url,
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
        "jti": uuid.uuid4().hex,
    }


class ServiceTokens:
    """Tokens per registration and scope set, shared through the database."""

    def __init__(
        self,
        http: requests.Session,
        keyring: KeyRing,
        timeout: float = 10,
        clock: Callable[[], datetime] = utcnow,
        wait: float = 10,
    ):
        self.http = http
        self.keyring = keyring
        self.timeout = timeout
        self.clock = clock
        self.wait = wait
        # A copy of the database rows, so each send need not read them.
        self._cache: dict[tuple[int, str], Token] = {}
        self._lock = threading.Lock()
        self.requests_made = 0

    def get(self, reg: Registration, scopes: Iterable[str]) -> str:
        """A valid token for these scopes, fetched only when none is stored."""
        key = (reg.id, scope_key(scopes))
        with self._lock:
            cached = self._cache.get(key)
        if cached and cached.expires_at - EXPIRY_MARGIN > self.clock():
            return cached.value
        token = self._shared(reg, key[1])
        with self._lock:
            self._cache[key] = token
        return token.value

    def discard(self, reg: Registration, scopes: Iterable[str], value: str) -> None:
        """Forget a token the platform refused (401), for every worker."""
        key = (reg.id, scope_key(scopes))
        with self._lock:
            if self._cache.get(key, Token("", self.clock())).value == value:
                self._cache.pop(key, None)
        db.session.execute(
            update(ServiceToken)
            .where(
                ServiceToken.registration_id == reg.id,
                ServiceToken.scopes == key[1],
                ServiceToken.access_token == value,
            )
            .values(expires_at=self.clock(), access_token="")
        )
        db.session.commit()

    def _row(self, reg_id: int, scopes: str) -> ServiceToken | None:
        return db.session.scalar(
            select(ServiceToken)
            .where(
                ServiceToken.registration_id == reg_id,
                ServiceToken.scopes == scopes,
            )
            .execution_options(populate_existing=True)
        )

    def _ensure_row(self, reg_id: int, scopes: str) -> None:
        if self._row(reg_id, scopes) is not None:
            return
        try:
            db.session.add(
                ServiceToken(
                    registration_id=reg_id,
                    scopes=scopes,
                    expires_at=self.clock(),
                )
            )
            db.session.commit()
        except IntegrityError:
            # Another worker made it first: theirs will do.
            db.session.rollback()

    def _shared(self, reg: Registration, scopes: str) -> Token:
        self._ensure_row(reg.id, scopes)
        deadline = time.monotonic() + self.wait
        while True:
            row = self._row(reg.id, scopes)
            assert row is not None
            now = self.clock()
            if row.access_token and row.expires_at - EXPIRY_MARGIN > now:
                token = Token(row.access_token, row.expires_at)
                db.session.commit()
                return token
            claimed = db.session.execute(
                update(ServiceToken)
                .where(
                    ServiceToken.id == row.id,
                    (ServiceToken.refreshing_until.is_(None))
                    | (ServiceToken.refreshing_until < now),
                    # Still no usable token: another worker may have just
                    # stored one since this worker read the row.
                    ServiceToken.access_token == row.access_token,
                )
                .values(refreshing_until=now + REFRESH_LEASE)
            ).rowcount
            db.session.commit()
            if claimed == 1:
                return self._refresh(reg, scopes, row.id)
            if time.monotonic() > deadline:
                raise TokenError("another worker is still fetching the token")
            time.sleep(0.05)

    def _refresh(self, reg: Registration, scopes: str, row_id: int) -> Token:
        try:
            token = self._request(reg, scopes)
        except TokenError:
            db.session.execute(
                update(ServiceToken)
                .where(ServiceToken.id == row_id)
                .values(refreshing_until=None)
            )
            db.session.commit()
            raise
        db.session.execute(
            update(ServiceToken)
            .where(ServiceToken.id == row_id)
            .values(
                access_token=token.value,
                expires_at=token.expires_at,
                refreshing_until=None,
            )
        )
        db.session.commit()
        return token

    def _request(self, reg: Registration, scopes: str) -> Token:
        assertion = self.keyring.sign(assertion_claims(reg))
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": scopes,
        }
        self.requests_made += 1
        try:
            response = self.http.post(
                reg.auth_token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            refused = getattr(exc, "by_policy", False)
            event(
                "grade.token",
                registration=reg.id,
                outcome="address_refused" if refused else "unreachable",
                error=type(exc).__name__,
            )
            if refused:
                raise TokenError(
                    f"token endpoint refused by the outbound policy ({exc})",
                    refused=True,
                ) from None
            raise TokenError(
                f"token endpoint unreachable ({type(exc).__name__})"
            ) from None
        event(
            "grade.token",
            registration=reg.id,
            status=response.status_code,
            outcome="issued" if response.ok else "refused",
        )
        if not response.ok:
            raise TokenError(
                _platform_words(response),
                status=response.status_code,
                retry_after=response.headers.get("Retry-After"),
            )
        try:
            data = response.json()
            value = str(data["access_token"])
            lifetime = int(data.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise TokenError(
                "the token endpoint's answer has no access_token"
            ) from None
        return Token(value, self.clock() + timedelta(seconds=lifetime))


def _platform_words(response: requests.Response) -> str:
    """The platform's own error text, short, without echoing any token."""
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if isinstance(data, dict):
        words = data.get("error_description") or data.get("error") or data
        return f"HTTP {response.status_code}: {str(words)[:200]}"
    return f"HTTP {response.status_code}"
