"""Every way a platform fails: the score waits, retries, and arrives once."""

from __future__ import annotations

import email.utils
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.db import db
from lti_tool.models import ScoreDelivery, ServiceToken
from tests.grading_setup import Clock, release, seed, submit

Row = ScoreDelivery


def only_row() -> Row:
    (row,) = db.session.scalars(
        select(Row).execution_options(populate_existing=True)
    ).all()
    return row


def test_platform_down_for_hours_then_back(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        peer.stop()
        for _ in range(12):
            assert set(sync.drain()) == {"token_unavailable"}
            assert sync.drain() == {}  # not due again yet
            sync.clock.advance(3600)
        sync.clock.offset -= timedelta(seconds=3600)
        row = only_row()
        assert (row.status, row.attempts) == ("pending", 12)
        # The wait never grows past the cap: one hour, jitter included.
        assert row.next_try_at - sync.clock() <= timedelta(hours=1)
        peer.start()
        assert sync.drain() == {}  # not due yet
        sync.clock.advance(3600)
        assert sync.drain() == {"delivered": 1}
        assert only_row().status == "sent"
    assert len(peer.accepted) == 1


def test_server_errors_back_off_exponentially(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        peer.fail("scores", {"status": 500}, {"status": 502}, {"status": 500})
        waits = []
        for _ in range(3):
            start = sync.clock()
            assert sync.drain() == {"unavailable": 1}
            row = only_row()
            waits.append((row.next_try_at - start).total_seconds())
            assert row.last_status in (500, 502)
            sync.clock.advance(waits[-1] + 1)
        # base 10 s, doubled per attempt, rng 0.5 -> 3/4 of each step.
        assert [round(w) for w in waits] == [8, 15, 30]
        assert sync.drain() == {"delivered": 1}
        assert only_row().attempts == 4
    assert len(peer.accepted) == 1


def test_429_retry_after_is_honoured_in_seconds_and_as_a_date(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        peer.fail("scores", {"status": 429, "retry_after": "120"})
        start = sync.clock()
        assert sync.drain() == {"unavailable": 1}
        row = only_row()
        assert 119 <= (row.next_try_at - start).total_seconds() <= 121
        sync.clock.advance(60)
        assert sync.drain() == {}
        sync.clock.advance(61)
        later = sync.clock() + timedelta(seconds=300)
        peer.fail(
            "scores",
            {"status": 503, "retry_after": email.utils.format_datetime(later, True)},
        )
        assert sync.drain() == {"unavailable": 1}
        wait = only_row().next_try_at - sync.clock()
        assert timedelta(seconds=298) <= wait <= timedelta(seconds=301)
        sync.clock.advance(301)
        assert sync.drain() == {"delivered": 1}


def test_token_endpoint_throttling_and_refusal(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        peer.fail("token", {"status": 429, "retry_after": "30"})
        assert sync.drain() == {"token_unavailable": 1}
        assert 29 <= (only_row().next_try_at - sync.clock()).total_seconds() <= 31
        sync.clock.advance(31)
        peer.fail(
            "token",
            {"status": 401, "body": {"error": "invalid_client"}},
        )
        assert sync.drain() == {"token_refused": 1}
        row = only_row()
        assert row.status == "failed" and "invalid_client" in row.last_message
        # The operator fixes the registration, then retries.
        runner = app.test_cli_runner()
        result = runner.invoke(args=["grades", "retry"])
        assert "Queued 1" in result.output
        assert sync.drain() == {"delivered": 1}


def test_expired_token_is_refreshed_once_and_shared(app, peer, sync):
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"))
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        peer.expire_tokens()
        submit(s, "learner-2")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        assert peer.token_requests == 2
        # The stored token is the new one, for any other worker to reuse.
        (stored,) = db.session.scalars(select(ServiceToken)).all()
        assert stored.access_token in peer.tokens


def test_token_near_expiry_is_renewed_before_use(app, peer, sync):
    peer.token_lifetime = 120
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"))
        submit(s, "learner-1")
        db.session.commit()
        sync.drain()
        sync.clock.advance(61)  # inside the 60 s margin before expiry
        submit(s, "learner-2")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
    assert peer.token_requests == 2
    assert not peer.refusals


def test_slow_platform_times_out_and_the_resend_is_not_a_second_grade(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        # The peer takes 1.5 s (over the 1 s timeout) and then keeps the score.
        peer.fail("scores", {"delay": 1.5})
        assert sync.drain() == {"timeout": 1}
        assert only_row().status == "pending"
        threading.Event().wait(1)
        assert len(peer.accepted) == 1
        sync.clock.advance(60)
        # Same body, same timestamp: the platform says it has it already.
        assert sync.drain() == {"already_recorded": 1}
        row = only_row()
        assert (row.status, row.last_status) == ("sent", 409)
    assert len(peer.accepted) == 1


def test_a_worker_that_vanished_leaves_its_score_in_doubt(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        from lti_tool import grade_outbox

        # A worker claimed it, sent it, and died before recording.
        (claimed,) = grade_outbox.claim_batch(sync.clock(), sync.lease, 1)
        assert sync._post(claimed, claimed_registration(claimed), line_item()).ok
        db.session.rollback()
        assert sync.drain() == {}  # its lease still runs
        sync.clock.advance(sync.lease.total_seconds() + 1)
        assert sync.drain() == {"already_recorded": 1}
        assert only_row().status == "sent"
    assert len(peer.accepted) == 1


def claimed_registration(row):
    from lti_tool.models import Registration

    return db.session.get(Registration, row.registration_id)


def line_item():
    return only_row().endpoint["lineitem"]


def test_a_restarted_process_finds_the_queued_scores(app, settings, peer):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
        db.engine.dispose()
    fresh = create_app(settings)
    with fresh.app_context():
        sync = fresh.extensions["pathmark.grading"]
        sync.clock = Clock()
        assert sync.drain() == {"delivered": 1}
        db.engine.dispose()
    assert len(peer.accepted) == 1


def test_two_workers_send_each_score_once(app, peer, sync):
    learners = tuple(f"learner-{n}" for n in range(40))
    with app.app_context():
        s = seed(peer, learners=learners)
        for sub in learners:
            release(s, sub)
        db.session.commit()

    totals = []

    def work():
        with app.app_context():
            totals.append(sync.drain())
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sum(c.values()) for c in totals) == 40
    assert len(peer.accepted) == 40
    assert {b["userId"] for b in peer.accepted} == set(learners)
    assert not peer.refusals


def test_workers_in_many_processes_share_one_token(app, peer, sync):
    """Separate token caches (as in separate processes) ask the platform once."""
    from lti_tool.models import Registration
    from lti_tool.service_tokens import ServiceTokens
    from lti_tool.vocab import Scope

    with app.app_context():
        reg_id = seed(peer).registration_id
    keyring = app.extensions["pathmark"].keyring
    peer.fail("token", {"delay": 0.3})  # a slow token endpoint widens the race
    values = []

    def fetch():
        import requests

        with app.app_context():
            reg = db.session.get(Registration, reg_id)
            tokens = ServiceTokens(requests.Session(), keyring, timeout=5)
            values.append(tokens.get(reg, [Scope.SCORE]))
            db.session.remove()

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(values) == 6 and len(set(values)) == 1
    assert peer.token_requests == 1


@pytest.mark.parametrize("mode", ["canvas"])
def test_canvas_resend_after_timeout_counts_no_second_attempt(app, peer, sync):
    with app.app_context():
        s = seed(peer, family="canvas")
        submit(s, "learner-1")
        db.session.commit()
        peer.fail("scores", {"delay": 1.5})
        assert sync.drain() == {"timeout": 1}
        threading.Event().wait(1)
        sync.clock.advance(60)
        assert sync.drain() == {"delivered": 1}
    first, again = peer.scores_for("learner-1")
    assert first["timestamp"] == again["timestamp"]
    ext = "https://canvas.instructure.com/lti/submission"
    assert (first[ext]["new_submission"], again[ext]["new_submission"]) == (True, False)
    assert sum(peer.attempts.values()) == 1
