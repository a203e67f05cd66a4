"""Grade delivery as huey tasks; the outbox table stays the source of truth.

A huey task never carries a score, only a wake-up: "drain what is due".
The scores, their bodies and their next try live in the database, written
with the change that caused them. So a task that is lost (a crash between
commit and enqueue, a wiped SQLite file, a flushed Redis) loses nothing:
the periodic sweep, once a minute, drains every row that is due, and
reclaims rows whose worker died mid-send.

Wake-ups are coalesced: a commit that queued scores enqueues a drain task
only when none is already waiting (a flag in huey's key-value store that
the task clears as it starts). A drain whose first batch is full asks for
one more drain, so idle consumers join in on a backlog. A drain that
leaves retries due within the minute schedules a timer for the earliest,
so backoff and Retry-After are kept to the second, not to the sweep.

Storage: ``SqliteHuey`` in the instance folder by default (one machine),
``RedisHuey`` when ``redis_url`` (``REDIS_URL``) is set.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from lti_tool import grade_outbox as outbox
from lti_tool.db import db
from lti_tool.events import event

QUEUE_NAME = "pathmark-grades"
WAKE_KEY = "grades.wake"
TIMER_KEY = "grades.timer"
# The periodic sweep's period; retries due sooner get a timer of their own.
SWEEP = timedelta(minutes=1)
TICK = timedelta(seconds=1)


def make_huey(app: Flask) -> Huey:
    """The queue the app's settings name: Redis when given, else SQLite."""
    url = app.config["REDIS_URL"]
    if url:
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    path = Path(app.instance_path) / "grade-queue.db"
    return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)


class GradeJobs:
    """The app's huey instance and the tasks that drain the outbox."""

    def __init__(self, app: Flask, huey: Huey):
        self.app = app
        self.huey = huey
        self.drain_task = huey.task(name="grades_drain")(self._drain)
        self.timer_task = huey.task(name="grades_timer")(self._timer)
        self.sweep_task = huey.periodic_task(crontab(minute="*"), name="grades_sweep")(
            self._sweep
        )

    # Enqueueing (web processes, after commit)

    def wake(self) -> None:
        """Enqueue a drain unless one already waits; never raises.

        The scores are committed before this runs: if the queue cannot be
        reached they are still sent, by the sweep.
        """
        try:
            if self.huey.put_if_empty(WAKE_KEY, "1"):
                self.drain_task()
        except Exception as exc:
            event("grade.wake_failed", logging.WARNING, error=type(exc).__name__)

    # Tasks (consumer threads)

    def _drain(self) -> None:
        # Cleared first: a commit from now on enqueues a drain of its own.
        self.huey.delete(WAKE_KEY)
        self.run_drain()

    def _timer(self, due: str) -> None:
        if self.huey.get(TIMER_KEY, peek=True) == due:
            self.huey.delete(TIMER_KEY)
        self.run_drain()

    def _sweep(self) -> None:
        # Also clears a flag left behind by a wake whose enqueue was lost.
        self.huey.delete(WAKE_KEY)
        self.run_drain()

    def run_drain(self) -> Counter[str]:
        """Drain in an app context of its own; errors are logged, not raised."""
        counts: Counter[str] = Counter()
        with self.app.app_context():
            sync = self.app.extensions["pathmark.grading"]
            try:
                counts = sync.drain(on_backlog=self._spread)
                self._arm_timer(sync.clock())
            except Exception as exc:  # a database restart, for one
                db.session.rollback()
                event("grade.worker_error", error=type(exc).__name__)
            finally:
                db.session.remove()
        return counts

    def _spread(self) -> None:
        """A full batch: one more drain task, for an idle consumer."""
        self.drain_task()

    def _arm_timer(self, now: datetime) -> None:
        """Schedule a drain for the earliest retry, if it is due soon."""
        due = outbox.next_due()
        if due is None:
            return
        wait = max(due - now, timedelta(0))
        if wait >= SWEEP:
            return  # the sweep will find it
        eta = datetime.now(UTC) + wait
        stored = self.huey.get(TIMER_KEY, peek=True)
        if stored is not None:
            earlier = datetime.fromisoformat(stored)
            # A pending timer by then covers it (the scheduler looks once a
            # second); one long past its time was lost and is replaced.
            if eta + TICK >= earlier >= datetime.now(UTC) - SWEEP:
                return
        key = eta.isoformat()
        self.huey.put(TIMER_KEY, key)
        self.timer_task.schedule(args=(key,), eta=eta)

    # Consumers

    def consumer(self, threads: int, *, own_signals: bool = True) -> Consumer:
        """A huey consumer of ``threads`` worker threads.

        With ``own_signals`` false the host process keeps its signal
        handlers (``lti-tool dev`` stops on Ctrl-C as before).
        """
        poll = float(self.app.config["GRADE_POLL_SECONDS"])
        cls = Consumer if own_signals else _GuestConsumer
        return cls(
            self.huey,
            workers=threads,
            worker_type="thread",
            initial_delay=min(0.05, poll),
            max_delay=poll,
            backoff=1.5,
        )

    def start_in_process(self, threads: int = 1) -> Consumer:
        """Run a consumer beside the app (``lti-tool dev``); ``.stop()`` ends it.

        One drain right away picks up scores queued while no worker ran.
        """
        consumer = self.consumer(threads, own_signals=False)
        consumer.start()
        self.drain_task()
        return consumer


class _GuestConsumer(Consumer):
    """A consumer that leaves the process's signal handlers alone."""

    def _set_signal_handlers(self) -> None:
        return None


def run_consumer(app: Flask, threads: int | None) -> None:
    """``lti-tool worker``: the consumer in the foreground until SIGINT/SIGTERM.

    SIGINT stops after the tasks in hand; SIGTERM at once (a score cut off
    mid-send is sent again after its lease, see grade_outbox).
    """
    found = jobs(app)
    threads = threads or app.config["GRADE_WORKER_THREADS"]
    consumer = found.consumer(threads)
    where = "Redis" if app.config["REDIS_URL"] else "SQLite"
    event("grade.worker_started", threads=threads, queue=where)
    # Scores queued while no worker ran are due now.
    found.drain_task()
    consumer.run()


def jobs(app: Flask | None = None) -> GradeJobs:
    return (app or current_app).extensions["pathmark.jobs"]


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(outbox.WAKE_ON_COMMIT, False):
        found = current_app.extensions.get("pathmark.jobs")
        if found is not None:
            found.wake()


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(outbox.WAKE_ON_COMMIT, None)


def init_app(app: Flask) -> None:
    app.extensions["pathmark.jobs"] = GradeJobs(app, make_huey(app))
