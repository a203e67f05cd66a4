"""Grade sync through AGS: delivery rules for the score outbox.

Each outbox row is sent to its line item's ``/scores`` endpoint with the
exact score media type and a body fixed when the row was written, so every
resend carries the same timestamp and the platform can tell it from a new
score. Answers are sorted into: delivered; retry later (the platform is
down, slow, throttling or failing: exponential backoff with jitter, or its
``Retry-After``); and failed, for answers that will not heal by waiting (a
user the platform will not grade, a removed line item, a refused score),
kept with the platform's own words for staff. A newer score for the same
learner and line item supersedes an older one that has not left yet.
"""

from __future__ import annotations

import email.utils
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from flask import Flask

from lti_tool import grade_outbox as outbox
from lti_tool import score_payloads as payloads
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.line_items import LineItems, LineItemUnavailable
from lti_tool.models import Registration, ScoreDelivery
from lti_tool.public_address import PlatformAddressRefused
from lti_tool.service_tokens import ServiceTokens, TokenError
from lti_tool.signals import assessment_released, submission_submitted
from lti_tool.vocab import Scope

Row = ScoreDelivery
MESSAGE_LIMIT = 300
REFUSED_ADDRESS = (
    "Pathmark's outbound address policy does not allow this platform's address;"
    " an administrator must correct the registration or allow its network,"
    " then retry."
)


class PlatformAnswer(Exception):
    """A non-2xx answer from a service call other than the score post."""

    def __init__(self, response: requests.Response):
        super().__init__(platform_words(response))
        self.status = response.status_code
        self.retry_after = response.headers.get("Retry-After")


def platform_words(response: requests.Response) -> str:
    """The platform's own message, short, for staff and the log."""
    text = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}: {text[:MESSAGE_LIMIT]}".rstrip(": ")


@dataclass(frozen=True)
class Outcome:
    status: str  # Row.SENT, Row.PENDING (try again), Row.FAILED, Row.SUPERSEDED
    reason: str
    http_status: int | None = None
    message: str = ""
    retry_after: str | None = None


class AgsClient:
    """Authorised calls to a platform's services; one token refresh on 401."""

    def __init__(self, http: requests.Session, tokens: ServiceTokens, timeout: float):
        self.http = http
        self.tokens = tokens
        self.timeout = timeout
        # A send may take a token request and a score post, each this long.
        self.timeout_margin = timedelta(seconds=3 * timeout)

    def call(self, reg, scopes, method, url, headers=None, **kwargs):
        for attempt in (1, 2):
            token = self.tokens.get(reg, scopes)
            response = self.http.request(
                method,
                url,
                headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                timeout=self.timeout,
                **kwargs,
            )
            if response.status_code != 401 or attempt == 2:
                return response
            # The platform forgot or revoked the token early: ask once more.
            self.tokens.discard(reg, scopes, token)
            event("grade.token", registration=reg.id, outcome="refused_401")
        raise AssertionError("unreachable")

    @staticmethod
    def raise_for(response: requests.Response) -> None:
        if not response.ok:
            raise PlatformAnswer(response)


def retry_delay(
    attempts: int,
    retry_after: str | None,
    now: datetime,
    base: float,
    cap: float,
    rng: Callable[[], float],
) -> timedelta:
    """The platform's Retry-After when given, else capped backoff, jittered."""
    if retry_after:
        text = retry_after.strip()
        if text.isdigit():
            return timedelta(seconds=min(int(text), cap))
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return min(max(when - now, timedelta(0)), timedelta(seconds=cap))
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    # "Equal jitter": at least half the step, so retries still back off.
    return timedelta(seconds=ceiling / 2 + rng() * ceiling / 2)


# How Moodle and Canvas word "this person has no grade here".
NOT_GRADABLE_HINTS = (
    "incorrect score received",
    "not a student",
    "user not found",
    "not found in course",
    "not enrolled",
)


def classify(response: requests.Response, row: Row) -> Outcome:
    """What a score post's answer means for this row."""
    status = response.status_code
    words = platform_words(response)
    if 200 <= status < 300:
        return Outcome(Row.SENT, "delivered", status)
    if status in (429, 503) or status >= 500:
        wait = response.headers.get("Retry-After")
        return Outcome(Row.PENDING, "unavailable", status, words, wait)
    if status == 403 and "rate limit" in words.lower():
        return Outcome(Row.PENDING, "throttled", status, words)
    if status == 408:
        return Outcome(Row.PENDING, "timeout", status, words)
    if status == 409:
        if row.in_doubt or row.attempts > 1:
            # This very score (same timestamp) went out before and was kept.
            return Outcome(Row.SENT, "already_recorded", status, words)
        return Outcome(Row.FAILED, "superseded", status, words)
    if status == 404:
        return Outcome(Row.FAILED, "line_item_removed", status, words)
    if status == 401:
        return Outcome(Row.FAILED, "unauthorized", status, words)
    if status == 403:
        return Outcome(Row.FAILED, "forbidden", status, words)
    if status in (400, 422) and any(h in words.lower() for h in NOT_GRADABLE_HINTS):
        return Outcome(Row.FAILED, "not_gradable", status, words)
    return Outcome(Row.FAILED, "rejected", status, words)


class GradeSync:
    """Drains the outbox: one row at a time, per worker, any number of workers."""

    def __init__(
        self,
        http: requests.Session,
        tokens: ServiceTokens,
        *,
        timeout: float,
        retry_base: float,
        retry_cap: float,
        lease: timedelta,
        batch: int = 10,
        clock: Callable[[], datetime] = utcnow,
        rng: Callable[[], float] = random.random,
    ):
        self.tokens = tokens
        self.ags = AgsClient(http, tokens, timeout)
        self.line_items = LineItems(self.ags, lambda: self.clock())
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.lease = lease
        self.batch = batch
        self.clock = clock
        self.rng = rng
        # Detached registrations, read once per drain.
        self._registrations: dict[int, Registration | None] = {}
        if lease <= self.ags.timeout_margin:
            raise ValueError("grade_lease_seconds must exceed 3 x http_timeout")

    def drain(
        self,
        limit: int | None = None,
        batch: int | None = None,
        on_backlog: Callable[[], None] | None = None,
    ) -> Counter[str]:
        """Send every due row once; counts of outcomes by reason.

        Rows are claimed in batches and their outcomes recorded together at
        the end of a batch (or sooner when the batch runs long): a crash in
        between leaves them to be resent in doubt, which is harmless.
        ``on_backlog`` is called once if the first batch is full, so that
        the caller can bring in more workers.
        """
        counts: Counter[str] = Counter()
        batch = batch or self.batch
        outbox.reap(self.clock())
        self._registrations = {}
        first = True
        while limit is None or sum(counts.values()) < limit:
            size = batch if limit is None else min(batch, limit - sum(counts.values()))
            rows = outbox.claim_batch(self.clock(), self.lease, size)
            if not rows:
                break
            if first and on_backlog is not None and len(rows) == size:
                on_backlog()
            first = False
            order = outbox.order_checks(rows)
            done: list[tuple[Row, dict]] = []
            for row in rows:
                left = row.lease_until - self.clock()
                if left < self.ags.timeout_margin:
                    self._flush(row.claim, done)
                    # Too little of the lease left to send and record safely.
                    outbox.release_claim(row, self.clock(), timedelta(0))
                    continue
                outcome = self._decide(row, order[row.id])
                counts[outcome.reason] += 1
                done.append((row, self._values(row, outcome)))
                if left < self.lease / 2:
                    self._flush(row.claim, done)
            self._flush(rows[0].claim, done)
        return counts

    def _decide(self, row: Row, order: str) -> Outcome:
        if order == "newer":
            return Outcome(Row.SUPERSEDED, "superseded_here")
        if order == "older_in_flight":
            return Outcome(Row.PENDING, "deferred")
        return self._send(row)

    def _registration(self, reg_id: int) -> Registration | None:
        cache = self._registrations
        if reg_id not in cache:
            reg = db.session.get(Registration, reg_id)
            if reg is not None:
                db.session.expunge(reg)
            db.session.commit()
            cache[reg_id] = reg
        return cache[reg_id]

    def _send(self, row: Row) -> Outcome:
        reg = self._registration(row.registration_id)
        if reg is None:
            return Outcome(Row.FAILED, "no_registration", None, "platform removed")
        try:
            item = self.line_items.resolve(row, reg)
            response = self._post(row, reg, item.url)
            if response.status_code == 404:
                moved = self.line_items.relocate(row, reg, item.url)
                if moved is not None:
                    response = self._post(row, reg, moved)
                elif self.line_items.still_there(row, reg, item.url):
                    words = platform_words(response)
                    return Outcome(Row.FAILED, "not_gradable", 404, words)
                elif item.source != "launch":
                    self.line_items.forget(row.resource_link_id)
            return classify(response, row)
        except LineItemUnavailable as exc:
            status = Row.PENDING if exc.retry else Row.FAILED
            return Outcome(status, exc.reason, None, str(exc))
        except TokenError as exc:
            return self._token_outcome(exc)
        except PlatformAnswer as exc:
            if exc.status in (429, 503) or exc.status >= 500:
                return Outcome(
                    Row.PENDING, "unavailable", exc.status, str(exc), exc.retry_after
                )
            if exc.status == 401:
                return Outcome(Row.FAILED, "unauthorized", exc.status, str(exc))
            return Outcome(Row.FAILED, "no_line_item", exc.status, str(exc))
        except PlatformAddressRefused as exc:
            if not exc.by_policy:
                return Outcome(Row.PENDING, "unreachable", None, str(exc))
            return Outcome(Row.FAILED, "address_refused", None, REFUSED_ADDRESS)
        except requests.Timeout:
            return Outcome(
                Row.PENDING, "timeout", None, "The gradebook did not answer in time."
            )
        except requests.RequestException:
            return Outcome(
                Row.PENDING, "unreachable", None, "The gradebook could not be reached."
            )

    @staticmethod
    def _token_outcome(exc: TokenError) -> Outcome:
        if exc.refused:
            return Outcome(Row.FAILED, "address_refused", None, REFUSED_ADDRESS)
        if exc.status is None or exc.status in (429, 503) or exc.status >= 500:
            return Outcome(
                Row.PENDING, "token_unavailable", exc.status, str(exc), exc.retry_after
            )
        if exc.status == 403 and "rate limit" in str(exc).lower():
            return Outcome(Row.PENDING, "token_unavailable", exc.status, str(exc))
        # invalid_client, invalid_scope...: the registration needs fixing.
        return Outcome(Row.FAILED, "token_refused", exc.status, str(exc))

    @staticmethod
    def _maybe_arrived(row: Row) -> bool:
        """An earlier attempt may have reached the platform unseen.

        Canvas counts every post with ``new_submission`` as a new attempt,
        and takes a repeated timestamp; so a resend after a timeout or a
        lost worker says ``false``, trading a possibly unmarked attempt for
        never counting one twice.
        """
        return row.in_doubt or row.outcome == "timeout"

    def _post(self, row: Row, reg: Registration, lineitem_url: str):
        body = payloads.score_body(
            row.score,
            user_id=row.user_id,
            timestamp=row.timestamp,
            family=row.platform_family,
            new_submission=row.new_submission and not self._maybe_arrived(row),
            submitted_at=row.submitted_at,
        )
        return self.ags.call(
            reg,
            [Scope.SCORE],
            "POST",
            payloads.scores_url(lineitem_url),
            json=body,
            headers={"Content-Type": payloads.SCORE_MEDIA_TYPE},
        )

    def _values(self, row: Row, outcome: Outcome) -> dict:
        """The row's columns after this outcome; logs the attempt."""
        now = self.clock()
        values = {
            "status": outcome.status,
            "outcome": outcome.reason,
            "last_status": outcome.http_status,
            "last_message": outcome.message[:MESSAGE_LIMIT],
            "sent_at": row.sent_at,
            "next_try_at": row.next_try_at,
            "attempts": row.attempts,
            "in_doubt": row.in_doubt,
        }
        if outcome.status == Row.SENT:
            values.update(sent_at=now, in_doubt=False)
        elif outcome.reason in ("deferred", "line_item_lookup"):
            # Not an attempt: another worker holds what this row waits for.
            values.update(next_try_at=now + timedelta(seconds=1))
            values["attempts"] -= 1
        elif outcome.status == Row.PENDING:
            delay = retry_delay(
                row.attempts,
                outcome.retry_after,
                now,
                self.retry_base,
                self.retry_cap,
                self.rng,
            )
            values["next_try_at"] = now + delay
        event(
            "grade.send",
            delivery=row.id,
            link=row.resource_link_id,
            person=row.person_id,
            attempt=row.attempts,
            status=outcome.http_status,
            outcome=outcome.reason,
            result=outcome.status,
        )
        return values

    @staticmethod
    def _flush(claim: str | None, done: list[tuple[Row, dict]]) -> None:
        if done and claim:
            outbox.finish_many(claim, [(row.id, values) for row, values in done])
        done.clear()


def build(app: Flask, http: requests.Session, keyring) -> GradeSync:
    cfg = app.config
    tokens = ServiceTokens(http, keyring, timeout=cfg["HTTP_TIMEOUT"])
    sync = GradeSync(
        http,
        tokens,
        timeout=cfg["HTTP_TIMEOUT"],
        retry_base=cfg["GRADE_RETRY_BASE"],
        retry_cap=cfg["GRADE_RETRY_CAP"],
        lease=timedelta(seconds=cfg["GRADE_LEASE_SECONDS"]),
        batch=cfg["GRADE_BATCH_SIZE"],
    )
    # Tokens and line items read the time through the sync, so tests and
    # the worker share one clock.
    tokens.clock = lambda: sync.clock()
    return sync


def init_app(app: Flask) -> None:
    from lti_tool import grade_jobs

    services = app.extensions["pathmark"]
    app.extensions["pathmark.grading"] = build(app, services.http, services.keyring)
    grade_jobs.init_app(app)
    # Receivers run inside the sender's transaction (see signals.py).
    submission_submitted.connect(outbox.on_submission)
    assessment_released.connect(outbox.on_release)
    from lti_tool.grading_cli import grades

    # ``lti-tool grades ...`` (the FlaskGroup finds the app's commands).
    app.cli.add_command(grades)


def grade_sync(app: Flask) -> GradeSync:
    return app.extensions["pathmark.grading"]
