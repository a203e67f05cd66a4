"""Platforms' public keys: fetched once, shared by every worker, refreshed.

pylti1p3 fetches the JWKS with a new HTTP session and converts the key to
PEM on every launch; here the key set lives in the database (any worker can
use what another fetched) and parsed keys are kept in process memory. An
unknown ``kid`` forces one refetch, at most once per refetch interval, since
platforms (Canvas periodically) rotate keys before caches expire.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import requests
from jwt import PyJWK
from jwt.exceptions import PyJWKError
from sqlalchemy.exc import IntegrityError

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import PlatformKeySet


class KeySetError(RuntimeError):
    """The key set could not be fetched or has no usable key for a kid."""


class PlatformKeys:
    def __init__(
        self,
        http: requests.Session,
        max_age: timedelta,
        refetch_interval: timedelta,
        timeout: float = 10,
    ):
        self.http = http
        self.max_age = max_age
        self.refetch_interval = refetch_interval
        self.timeout = timeout
        self._parsed: dict[tuple[str, datetime], dict[str, PyJWK]] = {}
        self._lock = threading.Lock()

    def key_for(
        self,
        url: str,
        kid: str | None,
        alg: str,
        fetched_at: datetime | None = None,
    ) -> PyJWK:
        """The platform key with this kid; refetch once if it is unknown.

        ``fetched_at``, the stored key set's fetch time read with other rows,
        spares reading the row when this worker has already parsed that
        very fetch and it is still fresh.
        """
        if not kid:
            raise KeySetError("the token header has no kid")
        if fetched_at is not None and utcnow() - fetched_at <= self.max_age:
            with self._lock:
                parsed = self._parsed.get((url, fetched_at))
            key = parsed.get(kid) if parsed is not None else None
            if key is not None:
                return _check_algorithm(key, kid, alg)
        row = db.session.get(PlatformKeySet, url)
        now = utcnow()
        if row is None or now - row.fetched_at > self.max_age:
            row = self._fetch(url, row)

        key = self._parse(row).get(kid)
        last = row.refetched_at
        if key is None and (last is None or now - last >= self.refetch_interval):
            event("platform_keys.refetch", url=url, kid=kid)
            row.refetched_at = now
            row = self._fetch(url, row)
            key = self._parse(row).get(kid)
        if key is None:
            raise KeySetError(f"no key with kid {kid!r} in {url}")
        return _check_algorithm(key, kid, alg)

    def _fetch(self, url: str, row: PlatformKeySet | None) -> PlatformKeySet:
        try:
            response = self.http.get(url, timeout=self.timeout)
            response.raise_for_status()
            keys = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise KeySetError(f"cannot fetch {url}: {exc.__class__.__name__}") from exc
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise KeySetError(f"{url} did not answer with a JWKS")
        if row is None:
            row = PlatformKeySet(url=url, keys=keys, fetched_at=utcnow())
            db.session.add(row)
            try:
                db.session.commit()
                return row
            except IntegrityError:
                # Another worker stored this key set first (the first
                # launches of a class arrive together): update theirs.
                db.session.rollback()
                row = db.session.get(PlatformKeySet, url, populate_existing=True)
                if row is None:
                    raise KeySetError(f"cannot store the key set of {url}") from None
        row.keys = keys
        row.fetched_at = utcnow()
        # Commit now: the key set is shared state, whatever the launch does.
        try:
            db.session.commit()
        except IntegrityError:
            # Another worker stored this key set first: keep what it fetched.
            db.session.rollback()
            row = db.session.get(PlatformKeySet, url)
            if row is None:
                raise KeySetError(f"{url} could not be stored") from None
        return row

    def _parse(self, row: PlatformKeySet) -> dict[str, PyJWK]:
        cache_key = (row.url, row.fetched_at)
        with self._lock:
            parsed = self._parsed.get(cache_key)
        if parsed is not None:
            return parsed
        parsed = {}
        for jwk in row.keys.get("keys", []):
            parsed_key = _parse_jwk(jwk)
            if parsed_key is not None:
                parsed[jwk["kid"]] = parsed_key
        with self._lock:
            for key in [k for k in self._parsed if k[0] == row.url]:
                del self._parsed[key]
            self._parsed[cache_key] = parsed
        return parsed


def _check_algorithm(key: PyJWK, kid: str, alg: str) -> PyJWK:
    if key.algorithm_name != alg:
        raise KeySetError(f"key {kid!r} is for {key.algorithm_name}, not {alg}")
    return key


def _parse_jwk(jwk: Any) -> PyJWK | None:
    if not isinstance(jwk, dict) or not jwk.get("kid"):
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    try:
        return PyJWK(jwk, algorithm=jwk.get("alg", "RS256"))
    except PyJWKError:
        return None
