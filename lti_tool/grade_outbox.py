"""The score outbox: rows written with the decision, claimed by workers.

A score is written in the same transaction as the submission or release
that decided it (the signal receivers below run inside the sender's
transaction and only flush), so a score exists exactly when its cause does.
Workers claim due rows with a conditional UPDATE and a lease; a lease that
runs out means its worker vanished, and the row is sent again, marked "in
doubt" so that the platform's "already have that" counts as delivered.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select, tuple_, update

from lti_tool import gradebook_comment
from lti_tool import score_payloads as payloads
from lti_tool.canvas_evidence import score_with_evidence
from lti_tool.db import db
from lti_tool.events import event as log_event
from lti_tool.models import Launch, Person, ResourceLink, ScoreDelivery
from lti_tool.roles import CourseRole
from lti_tool.signals import ReleaseEvent, SubmissionEvent
from lti_tool.vocab import Claim, Scope

Row = ScoreDelivery
# Session.info key: this transaction queued scores; grade_jobs wakes a
# worker once it commits (never before: the worker could not see them).
WAKE_ON_COMMIT = "pathmark.grades.wake"


def _wake_on_commit() -> None:
    db.session.info[WAKE_ON_COMMIT] = True


def ags_endpoint(claims: dict[str, Any]) -> dict[str, Any] | None:
    """The launch's AGS claim when it lets Pathmark post scores, else None."""
    ags = claims.get(Claim.AGS_ENDPOINT)
    if not isinstance(ags, dict):
        return None
    scopes = ags.get("scope")
    if not isinstance(scopes, list) or Scope.SCORE not in scopes:
        return None
    lineitem = ags.get("lineitem")
    lineitems = ags.get("lineitems")
    if not isinstance(lineitem, str) and not isinstance(lineitems, str):
        return None
    return {
        "lineitem": lineitem if isinstance(lineitem, str) else None,
        "lineitems": lineitems if isinstance(lineitems, str) else None,
        "scope": [s for s in scopes if isinstance(s, str)],
    }


def _latest_timestamp(resource_link_id: int, person_id: int) -> datetime | None:
    return db.session.scalar(
        select(func.max(Row.timestamp)).where(
            Row.resource_link_id == resource_link_id, Row.person_id == person_id
        )
    )


def enqueue(
    launch: Launch,
    *,
    resource_link_id: int,
    person_id: int,
    kind: str,
    source_id: int | None,
    score: dict[str, Any],
    new_submission: bool,
    submitted_at: datetime | None,
    now: datetime,
) -> Row | None:
    """Add a score to the outbox in the caller's transaction (flush only).

    Nothing is written for staff launches or launches without AGS: those
    have no gradebook column for this person.
    """
    ids = {"launch": launch.id, "link": resource_link_id, "person": person_id}
    if launch.course_role != CourseRole.LEARNER.value:
        log_event("grade.skipped", reason="not_learner", kind=kind, **ids)
        return None
    endpoint = ags_endpoint(launch.claims)
    if endpoint is None:
        log_event("grade.skipped", reason="no_ags", kind=kind, **ids)
        return None
    person = db.session.get(Person, person_id)
    if person is None:
        raise ValueError(f"no person {person_id}")
    db.session.flush()
    row = Row(
        registration_id=launch.registration_id,
        resource_link_id=resource_link_id,
        person_id=person_id,
        launch_id=launch.id,
        kind=kind,
        source_id=source_id,
        user_id=person.sub,
        endpoint=endpoint,
        platform_family=payloads.platform_family(
            launch.claims, launch.registration.issuer
        ),
        score=score,
        timestamp=payloads.next_timestamp(
            now, _latest_timestamp(resource_link_id, person_id)
        ),
        new_submission=new_submission,
        submitted_at=submitted_at,
        status=Row.PENDING,
        next_try_at=now,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    _wake_on_commit()
    log_event("grade.queued", delivery=row.id, kind=kind, **ids)
    return row


def _clock() -> datetime:
    return current_app.extensions["pathmark.grading"].clock()


def _launch(launch_id: str, kind: str, source_id: int) -> Launch | None:
    launch = db.session.get(Launch, launch_id)
    if launch is None:
        log_event(
            "grade.skipped",
            logging.WARNING,
            reason="unknown_launch",
            kind=kind,
            source=source_id,
        )
    return launch


def on_submission(sender: Any, event: SubmissionEvent, **_: Any) -> None:
    """Queue "submitted, pending manual grading" for the learner's column.

    A score Pathmark cannot send as asked is logged and skipped: it must
    never undo the learner's submission.
    """
    launch = _launch(event.launch_id, "submission", event.submission_id)
    if launch is None:
        return
    try:
        score = payloads.submission_score(event.score_maximum)
    except payloads.ScoreError as exc:
        _skip_invalid("submission", event.submission_id, exc)
        return
    row = _queue(launch, event, "submission", event.submission_id, score)
    if row is not None and row.platform_family == payloads.CANVAS:
        _add_canvas_evidence(row, event)


def _add_canvas_evidence(row: Row, event: SubmissionEvent) -> None:
    """Canvas shows the work itself in SpeedGrader: hand it over with links."""
    row.score = score_with_evidence(row.score, event.submission_id)
    db.session.flush()


def on_release(sender: Any, event: ReleaseEvent, **_: Any) -> None:
    """Queue the released, fully graded score with its short comment."""
    launch = _launch(event.launch_id, "release", event.assessment_id)
    if launch is None:
        return
    comment = gradebook_comment.for_release(event)
    try:
        score = payloads.release_score(event.score_given, event.score_maximum, comment)
    except payloads.ScoreError as exc:
        _skip_invalid("release", event.assessment_id, exc)
        return
    _queue(launch, event, "release", event.assessment_id, score)


def _queue(launch, event, kind: str, source_id: int, score) -> Row | None:
    """Queue one score for the learner and link the event names.

    Only a submission starts a new attempt (Canvas's ``new_submission``);
    a release grades the attempt already there.
    """
    return enqueue(
        launch,
        resource_link_id=event.resource_link_id,
        person_id=event.person_id,
        kind=kind,
        source_id=source_id,
        score=score,
        new_submission=kind == "submission",
        submitted_at=event.submitted_at,
        now=_clock(),
    )


def _skip_invalid(kind: str, source_id: int, exc: Exception) -> None:
    log_event(
        "grade.skipped",
        logging.WARNING,
        reason="invalid_score",
        kind=kind,
        source=source_id,
        detail=str(exc),
    )


def resync(resource_link_id: int, person_id: int | None, now: datetime) -> int:
    """Queue the latest score again, with a fresh timestamp, per learner."""
    latest = (
        select(Row.person_id, func.max(Row.id).label("id"))
        .where(
            Row.resource_link_id == resource_link_id,
            Row.status != Row.SUPERSEDED,
        )
        .group_by(Row.person_id)
    )
    if person_id is not None:
        latest = latest.where(Row.person_id == person_id)
    count = 0
    for _, row_id in db.session.execute(latest).all():
        old = db.session.get(Row, row_id)
        assert old is not None
        score = old.score
        if "content_items" in (score.get(payloads.CANVAS_SUBMISSION) or {}):
            # The links sent before may have expired: Canvas gets fresh ones.
            score = score_with_evidence(score, old.source_id)
        db.session.add(
            Row(
                registration_id=old.registration_id,
                resource_link_id=old.resource_link_id,
                person_id=old.person_id,
                launch_id=old.launch_id,
                kind="resync",
                source_id=old.source_id,
                user_id=old.user_id,
                endpoint=old.endpoint,
                platform_family=old.platform_family,
                score=score,
                timestamp=payloads.next_timestamp(
                    now, _latest_timestamp(old.resource_link_id, old.person_id)
                ),
                new_submission=False,
                submitted_at=old.submitted_at,
                status=Row.PENDING,
                next_try_at=now,
                created_at=now,
            )
        )
        db.session.flush()
        _wake_on_commit()
        count += 1
    return count


def links_with_scores(link_id: int | None) -> list[ResourceLink]:
    query = select(ResourceLink).where(
        ResourceLink.id.in_(select(Row.resource_link_id).distinct())
    )
    if link_id is not None:
        query = query.where(ResourceLink.id == link_id)
    return list(db.session.scalars(query.order_by(ResourceLink.id)))


# Claiming


def reap(now: datetime) -> int:
    """Rows whose worker's lease ran out go back to pending, in doubt."""
    # Looked for first: a read takes no write lock, and there is seldom one.
    expired = db.session.scalar(
        select(Row.id).where(Row.status == Row.SENDING, Row.lease_until < now).limit(1)
    )
    if expired is None:
        db.session.commit()
        return 0
    result = db.session.execute(
        update(Row)
        .where(Row.status == Row.SENDING, Row.lease_until < now)
        .values(status=Row.PENDING, claim=None, in_doubt=True, next_try_at=now)
    )
    db.session.commit()
    return result.rowcount


def claim_batch(now: datetime, lease: timedelta, size: int) -> list[Row]:
    """Take up to ``size`` due rows for this worker, in due order.

    The rows come back detached from the session: plain snapshots that
    later commits do not reload.
    """
    candidates = (
        select(Row.id)
        .where(Row.status == Row.PENDING, Row.next_try_at <= now)
        .order_by(Row.next_try_at, Row.id)
        .limit(size)
    )
    token = secrets.token_hex(8)
    db.session.execute(
        update(Row)
        .where(Row.id.in_(candidates.scalar_subquery()), Row.status == Row.PENDING)
        .values(
            status=Row.SENDING,
            claim=token,
            lease_until=now + lease,
            attempts=Row.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.scalars(
        select(Row)
        .where(Row.claim == token)
        .order_by(Row.next_try_at, Row.id)
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        db.session.expunge(row)
    db.session.commit()
    return list(rows)


def release_claim(row: Row, now: datetime, wait: timedelta) -> None:
    """Give a claimed row back untouched, due again after ``wait``."""
    db.session.execute(
        update(Row)
        .where(Row.id == row.id, Row.claim == row.claim)
        .values(
            status=Row.PENDING,
            claim=None,
            lease_until=None,
            attempts=Row.attempts - 1,
            next_try_at=now + wait,
        )
    )
    db.session.commit()


def order_checks(rows: list[Row]) -> dict[int, str]:
    """Per claimed row: ``"newer"`` when a later score for the learner and
    line item exists, ``"older_in_flight"`` when another worker is sending
    an earlier one, else ``""``. One query for the whole batch."""
    keys = {(r.resource_link_id, r.person_id) for r in rows}
    siblings = db.session.execute(
        select(
            Row.id,
            Row.resource_link_id,
            Row.person_id,
            Row.timestamp,
            Row.status,
            Row.claim,
        ).where(
            tuple_(Row.resource_link_id, Row.person_id).in_(list(keys)),
        )
    ).all()
    db.session.commit()
    by_key: dict[tuple[int, int], list[Any]] = {}
    for s in siblings:
        by_key.setdefault((s.resource_link_id, s.person_id), []).append(s)
    live = (Row.PENDING, Row.SENDING, Row.SENT)
    found: dict[int, str] = {}
    for row in rows:
        mine = [
            s
            for s in by_key.get((row.resource_link_id, row.person_id), ())
            if s.id != row.id
        ]
        if any(s.timestamp > row.timestamp and s.status in live for s in mine):
            found[row.id] = "newer"
        elif any(
            s.timestamp < row.timestamp
            and s.status == Row.SENDING
            and s.claim != row.claim
            for s in mine
        ):
            found[row.id] = "older_in_flight"
        else:
            found[row.id] = ""
    return found


def finish_many(claim: str, outcomes: list[tuple[int, dict[str, Any]]]) -> None:
    """Record outcomes of rows this worker still holds under ``claim``."""
    table = Row.__table__
    names = list(outcomes[0][1])
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.claim == claim)
        .values(
            claim=None,
            lease_until=None,
            **{name: bindparam("v_" + name) for name in names},
        )
    )
    params = [
        {"row_id": row_id, **{"v_" + k: v for k, v in values.items()}}
        for row_id, values in outcomes
    ]
    done = db.session.execute(statement, params).rowcount
    db.session.commit()
    # Some drivers give no row count for many rows at once (-1).
    if 0 <= done < len(outcomes):
        log_event("grade.lease_lost", claim=claim, lost=len(outcomes) - done)


def retry_failed(ids: list[int] | None, now: datetime) -> int:
    """Put failed rows back in the queue after an operator fixed the cause."""
    query = update(Row).where(Row.status == Row.FAILED)
    if ids:
        query = query.where(Row.id.in_(ids))
    count = db.session.execute(
        query.values(status=Row.PENDING, next_try_at=now, outcome="")
    ).rowcount
    if count:
        _wake_on_commit()
    db.session.commit()
    return count


def next_due() -> datetime | None:
    """When the earliest waiting score is due again (None: none waits)."""
    due = db.session.scalar(
        select(func.min(Row.next_try_at)).where(Row.status == Row.PENDING)
    )
    db.session.commit()
    return due


def learner_states(resource_link_id: int) -> list[tuple[Person, Row]]:
    """Per learner of a link: the latest score row, newest first."""
    latest = (
        select(func.max(Row.id))
        .where(Row.resource_link_id == resource_link_id)
        .group_by(Row.person_id)
    )
    rows = db.session.scalars(
        select(Row).where(Row.id.in_(latest)).order_by(Row.timestamp.desc())
    ).all()
    return [(row.person, row) for row in rows]
