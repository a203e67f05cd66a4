"""The huey worker as its own process, killed mid-send; the in-process one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from lti_tool.db import db
from lti_tool.grade_jobs import jobs
from lti_tool.models import ScoreDelivery
from tests.grading_setup import release, seed

Row = ScoreDelivery


def wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_worker_killed_between_sending_and_recording(app, settings, peer, sync):
    with app.app_context():
        s = seed(peer)
        release(s, "learner-1")
        db.session.commit()
    # The platform keeps the score, then holds its answer; the worker dies.
    peer.fail("scores", {"hold": 15})
    env = {
        **os.environ,
        "PATHMARK_DATABASE_URL": settings["database_url"],
        "PATHMARK_INSTANCE_PATH": settings["instance_path"],
        "PATHMARK_KEYS_DIR": settings["keys_dir"],
        "PATHMARK_HTTP_TIMEOUT": "30",
        "PATHMARK_REGISTRATION_ALLOWED_NETWORKS": settings[
            "registration_allowed_networks"
        ],
    }
    cli = [sys.executable, "-c", "from lti_tool.cli import main; main()"]
    worker = subprocess.Popen(
        [*cli, "grades", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: len(peer.accepted) == 1)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    with app.app_context():
        row = db.session.scalar(select(Row))
        assert row.status == "sending" and row.attempts == 1
        assert sync.drain() == {}  # the dead worker's lease still runs
        sync.clock.advance(sync.lease.total_seconds() + 1)
        assert sync.drain() == {"already_recorded": 1}
        row = db.session.scalar(select(Row).execution_options(populate_existing=True))
        assert (row.status, row.attempts, row.in_doubt) == ("sent", 2, False)
    assert len(peer.accepted) == 1
    assert peer.refusals == {409: 1}


def test_in_process_worker_sends_while_the_app_runs(app, peer, sync):
    app.config["GRADE_POLL_SECONDS"] = 0.05
    consumer = jobs(app).start_in_process()
    try:
        with app.app_context():
            s = seed(peer)
            release(s, "learner-1")
            db.session.commit()
        assert wait_for(lambda: len(peer.accepted) == 1, 10)
        with app.app_context():

            def recorded() -> bool:
                status = db.session.scalar(select(Row.status))
                db.session.commit()
                return status == "sent"

            assert wait_for(recorded, 10)
    finally:
        consumer.stop(graceful=True)
