"""The score outbox on SQLite and PostgreSQL: racing workers, shared tokens."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import func, select

from lti_tool.db import db
from lti_tool.models import GradeLineItem, Registration, ScoreDelivery
from lti_tool.service_tokens import ServiceTokens
from lti_tool.vocab import Scope
from tests.ags_peer import AgsPeer
from tests.grading_setup import CLIENT_ID, Clock, release, seed, submit

Row = ScoreDelivery


@pytest.fixture
def peer(app):
    peer = AgsPeer(app.extensions["pathmark"].keyring.jwks, CLIENT_ID).start()
    yield peer
    peer.stop()


@pytest.fixture
def sync(app):
    sync = app.extensions["pathmark.grading"]
    sync.clock = Clock()
    sync.rng = lambda: 0.5
    return sync


def together(app, count: int, work) -> list:
    """Run ``work()`` in ``count`` threads, each in its own app context."""
    results: list = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                results[i] = work()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_racing_workers_send_each_score_exactly_once(app, peer, sync):
    learners = tuple(f"learner-{n}" for n in range(30))
    with app.app_context():
        s = seed(peer, learners=learners)
        for sub in learners:
            submit(s, sub)
            release(s, sub)
        db.session.commit()
    total: Counter[str] = Counter()
    for _ in range(10):
        for counts in together(app, 4, lambda: sync.drain(batch=3)):
            total.update(counts)
        if total["delivered"] == 30:
            break
        # A release whose submission another worker held waits a second.
        sync.clock.advance(2)
    # Each learner: the submission superseded before it left, the release sent.
    assert total["delivered"] == 30
    assert total["superseded_here"] == 30
    assert sorted(b["userId"] for b in peer.accepted) == sorted(learners)
    assert all(b["gradingProgress"] == "FullyGraded" for b in peer.accepted)
    assert not peer.refusals
    with app.app_context():
        states = dict(
            db.session.execute(
                select(Row.status, func.count()).group_by(Row.status)
            ).all()
        )
    assert states == {"sent": 30, "superseded": 30}


def test_token_is_fetched_once_by_racing_processes(app, peer):
    with app.app_context():
        reg_id = seed(peer).registration_id
    keyring = app.extensions["pathmark"].keyring
    peer.fail("token", {"delay": 0.3})

    def fetch() -> str:
        reg = db.session.get(Registration, reg_id)
        tokens = ServiceTokens(requests.Session(), keyring, timeout=5)
        return tokens.get(reg, [Scope.SCORE])

    values = together(app, 5, fetch)
    assert len(set(values)) == 1 and values[0]
    assert peer.token_requests == 1


def test_one_line_item_is_created_when_workers_race(app, peer, sync):
    learners = tuple(f"learner-{n}" for n in range(12))
    with app.app_context():
        s = seed(peer, lineitem=None, learners=learners)
        for sub in learners:
            release(s, sub)
        db.session.commit()
    # Workers that find the lookup taken try again a second later.
    for _ in range(20):
        together(app, 3, lambda: sync.drain(batch=2))
        if len(peer.accepted) == len(learners):
            break
        sync.clock.advance(2)
    assert len(peer.line_items) == 1
    assert len(peer.accepted) == len(learners)
    with app.app_context():
        assert db.session.scalar(select(GradeLineItem.source)) == "created"
