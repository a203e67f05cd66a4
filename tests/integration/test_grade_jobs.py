"""Grade delivery through huey, on SQLite storage and on a private Redis.

Real consumers (threads in this process, or ``lti-tool worker`` as its own
process) against the strict AGS peer. The outbox stays the truth: wiping
the queue, or losing a wake-up, delays a score until the sweep, never
loses it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lti_tool.db import db
from lti_tool.grade_jobs import TIMER_KEY, WAKE_KEY, jobs
from lti_tool.models import ScoreDelivery
from tests.grading_setup import release, seed

Row = ScoreDelivery


@pytest.fixture(params=["sqlite", "redis"])
def settings(request, settings):
    if request.param == "sqlite":
        return settings
    server = request.getfixturevalue("redis_server")
    server.client().flushall()
    return {**settings, "redis_url": server.url()}


@pytest.fixture
def queue(app, sync):
    found = jobs(app)
    yield found
    found.huey.flush()


def wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def statuses(app) -> dict[str, int]:
    with app.app_context():
        found = dict(
            db.session.execute(
                select(Row.status, func.count()).group_by(Row.status)
            ).all()
        )
        db.session.remove()
    return found


def released(app, peer, *subs: str):
    with app.app_context():
        s = seed(peer, learners=subs, staff=())
        for sub in subs:
            release(s, sub)
            db.session.commit()
    return s


def test_a_commit_wakes_the_in_process_consumer(app, peer, queue):
    app.config["GRADE_POLL_SECONDS"] = 0.2
    consumer = queue.start_in_process()
    try:
        released(app, peer, "learner-1")
        assert wait_for(lambda: len(peer.accepted) == 1, 10)
        assert wait_for(lambda: statuses(app) == {"sent": 1}, 10)
    finally:
        consumer.stop(graceful=True)
    assert peer.token_requests == 1


def test_wake_ups_coalesce_and_a_rollback_wakes_nobody(app, peer, queue):
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"), staff=())
        queue.huey.flush()
        release(s, "learner-1")
        db.session.rollback()
    assert queue.huey.pending_count() == 0
    released(app, peer, "learner-3", "learner-4", "learner-5")
    # Three commits, one drain waiting: it will send all three.
    assert queue.huey.pending_count() == 1
    task = queue.huey.dequeue()
    queue.huey.execute(task)
    assert statuses(app) == {"sent": 3}
    assert queue.huey.get(WAKE_KEY, peek=True) is None


def test_a_wiped_queue_loses_no_score(app, peer, queue):
    released(app, peer, "learner-1", "learner-2")
    queue.huey.flush()  # Redis flushed, SQLite file emptied
    assert queue.huey.pending_count() == 0
    consumer = queue.start_in_process()
    try:
        assert wait_for(lambda: statuses(app) == {"sent": 2}, 10)
    finally:
        consumer.stop(graceful=True)


def test_a_lost_wake_up_is_made_good_by_the_sweep(app, peer, queue):
    # The flag says a drain waits, but its enqueue never happened.
    queue.huey.put(WAKE_KEY, "1")
    released(app, peer, "learner-1")
    assert queue.huey.pending_count() == 0
    assert statuses(app) == {"pending": 1}
    queue.huey.execute(queue.sweep_task.s())
    assert statuses(app) == {"sent": 1}
    # The sweep cleared the stale flag: the next commit wakes a worker.
    released(app, peer, "learner-2")
    assert queue.huey.pending_count() == 1


def timers(queue) -> list:
    return [t for t in queue.huey.pending() if t.name == "grades_timer"]


def test_a_retry_gets_a_timer_at_the_platforms_retry_after(app, peer, queue):
    peer.fail("scores", {"status": 503, "retry_after": "2"})
    released(app, peer, "learner-1")
    queue.huey.execute(queue.huey.dequeue())
    assert statuses(app) == {"pending": 1}
    # Enqueued with its eta; the consumer's scheduler holds it until then.
    [timer] = timers(queue)
    lead = timer.eta.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(seconds=0.5) < lead <= timedelta(seconds=2)
    assert queue.huey.get(TIMER_KEY, peek=True) == timer.args[0]
    # A second drain with the same retry pending arms no second timer.
    queue.run_drain()
    assert len(timers(queue)) == 1
    consumer = queue.start_in_process()
    try:
        assert wait_for(lambda: statuses(app) == {"sent": 1}, 10)
    finally:
        consumer.stop(graceful=True)
    assert len(peer.accepted) == 1


def test_a_backlog_brings_in_another_consumer(app, peer, queue, sync):
    sync.batch = 10
    subs = [f"learner-{n}" for n in range(25)]
    released(app, peer, *subs)
    task = queue.huey.dequeue()
    assert queue.huey.pending_count() == 0
    queue.huey.execute(task)
    assert statuses(app) == {"sent": 25}
    # The first batch was full: one more drain was asked for.
    assert queue.huey.pending_count() == 1


def test_lti_tool_worker_runs_the_consumer_until_sigint(app, settings, peer, queue):
    env = {
        **os.environ,
        "PATHMARK_DATABASE_URL": settings["database_url"],
        "PATHMARK_INSTANCE_PATH": settings["instance_path"],
        "PATHMARK_KEYS_DIR": settings["keys_dir"],
        "PATHMARK_GRADE_POLL_SECONDS": "1",
        "PATHMARK_REGISTRATION_ALLOWED_NETWORKS": settings[
            "registration_allowed_networks"
        ],
        "REDIS_URL": settings.get("redis_url", ""),
    }
    released(app, peer, "learner-1")
    cli = [sys.executable, "-c", "from lti_tool.cli import main; main()"]
    worker = subprocess.Popen(
        [*cli, "worker", "--threads", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: statuses(app) == {"sent": 1})
        released(app, peer, "learner-2")
        assert wait_for(lambda: statuses(app) == {"sent": 2})
    finally:
        worker.send_signal(signal.SIGINT)
        _, errors = worker.communicate(timeout=20)
    assert worker.returncode == 0, errors[-2000:]
    assert len(peer.accepted) == 2
