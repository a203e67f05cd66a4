"""Scores per second through the outbox and huey to a local strict AGS platform.

    .venv/bin/python benchmarks/grade_sync.py [--scores 1000] [--workers 4]
        [--redis]

Releases N scores (one per learner, each in its own transaction, as
assessment does; each commit wakes the grade worker through huey), then
lets W huey consumer processes (one worker thread each, as W ``lti-tool
worker --threads 1``) drain the outbox against the test platform, which
runs in its own process on 127.0.0.1. The queue is SQLite in the instance
folder, or with ``--redis`` a private redis-server. Beside it, the
platform's own acceptance rate in the same run: the same N score posts
sent straight to it by W processes with one token and no database, once
before and once after the outbox, as other work on the machine comes and
goes. Also
the number of token requests the drain made.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool import create_app  # noqa: E402
from lti_tool import score_payloads as payloads  # noqa: E402
from lti_tool.db import db, upgrade_schema, utcnow  # noqa: E402
from lti_tool.grade_jobs import jobs  # noqa: E402
from lti_tool.models import Registration, ScoreDelivery  # noqa: E402
from lti_tool.vocab import Scope  # noqa: E402
from tests import redis_server  # noqa: E402
from tests.ags_peer import RemotePeer  # noqa: E402
from tests.grading_setup import CLIENT_ID, release, seed  # noqa: E402


def in_processes(count: int, work) -> float:
    """Run ``work(n)`` in ``count`` forked processes; seconds until all end.

    Processes, as in production (several ``lti-tool worker`` or gunicorn
    workers), so the figure is not one interpreter's lock.
    """
    started = time.perf_counter()
    for proc in start_processes(count, work):
        proc.join()
        assert proc.exitcode == 0, "a worker failed"
    return time.perf_counter() - started


def start_processes(count: int, work) -> list:
    fork = multiprocessing.get_context("fork")
    procs = [fork.Process(target=work, args=(n,)) for n in range(count)]
    for proc in procs:
        proc.start()
    return procs


def through_huey(app, count: int, expected: int) -> float:
    """Seconds until W consumer processes have recorded every score as sent.

    The consumers start with only what the releases enqueued: one wake-up
    (they coalesce); a full first batch brings in the next consumer.
    """
    queue = jobs(app)
    # No connection may cross a fork.
    queue.huey.storage.close()
    done = multiprocessing.get_context("fork").Event()

    def consume(n: int) -> None:
        consumer = queue.consumer(1, own_signals=False)
        consumer.start()
        done.wait()
        consumer.stop(graceful=True)
        with app.app_context():
            db.engine.dispose()

    started = time.perf_counter()
    procs = start_processes(count, consume)
    with app.app_context():
        while sent_count() < expected:
            time.sleep(0.05)
        took = time.perf_counter() - started
        db.session.remove()
    done.set()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0, "a consumer failed"
    return took


def sent_count() -> int:
    found = db.session.scalar(
        select(func.count()).where(ScoreDelivery.status == ScoreDelivery.SENT)
    )
    db.session.commit()
    return found or 0


def platform_rate(url: str, token: str, users: list[str], workers: int) -> float:
    """The platform alone: plain score posts, one token, W connections."""

    def post(n: int) -> None:
        http = requests.Session()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": payloads.SCORE_MEDIA_TYPE,
        }
        for user in users[n::workers]:
            body = payloads.score_body(
                payloads.release_score(9, 12, "Level per criterion: Fluency 3."),
                user_id=user,
                timestamp=utcnow(),
                family="moodle",
                new_submission=False,
                submitted_at=None,
            )
            http.post(url, json=body, headers=headers, timeout=10).raise_for_status()

    return len(users) / in_processes(workers, post)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--redis", action="store_true", help="Queue in Redis.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        settings = {
            "database_url": f"sqlite:///{tmp}/bench.db",
            "instance_path": f"{tmp}/instance",
            "keys_dir": f"{tmp}/keys",
            "base_url": "http://localhost",
            "log_level": args.log_level,
            # The test platform takes scores on loopback.
            "registration_allowed_networks": "127.0.0.0/8",
        }
        if args.redis:
            redis = redis_server.start()
            stack.callback(redis.stop)
            settings["redis_url"] = redis.url()
        app = create_app(settings)
        with app.app_context():
            upgrade_schema()
            app.extensions["pathmark"].keyring.ensure()
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.ags_peer", "--keys-dir", f"{tmp}/keys"]
            + ["--client-id", CLIENT_ID],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            port = int(server.stdout.readline())
            peer = RemotePeer(f"http://127.0.0.1:{port}")
            users = [f"learner-{n}" for n in range(args.scores)]
            peer.admin(gradable=users)
            with app.app_context():
                s = seed(peer, learners=tuple(users), staff=())
                started = time.perf_counter()
                for user in users:
                    release(s, user)
                    db.session.commit()
                queued = args.scores / (time.perf_counter() - started)

                reg = db.session.get(Registration, s.registration_id)
                sync = app.extensions["pathmark.grading"]
                token = sync.tokens.get(reg, [Scope.SCORE])
                # No connection may cross a fork.
                db.engine.dispose()

            def platform() -> float:
                item = peer.add_line_item()
                url = payloads.scores_url(peer.lineitem_url(item))
                return platform_rate(url, token, users, args.workers)

            # The machine is shared: the platform is measured before and
            # after the outbox, and the outbox compared with their mean.
            before = platform()
            outbox = args.scores / through_huey(app, args.workers, args.scores)
            after = platform()
            stats = peer.admin()
            assert stats["accepted"] == 3 * args.scores, stats
        finally:
            server.stdin.close()
            server.wait(10)
            with app.app_context():
                db.engine.dispose()

    print(f"scores                     {args.scores}")
    print(f"worker processes           {args.workers}")
    print(f"queue                      {'Redis' if args.redis else 'SQLite'} (huey)")
    print(f"queued in transactions     {queued:8.0f} /s")
    print(f"delivered through huey     {outbox:8.0f} /s")
    alone = (before + after) / 2
    print(f"platform acceptance alone  {alone:8.0f} /s  ({before:.0f} before, ", end="")
    print(f"{after:.0f} after)")
    print(f"outbox / platform          {outbox / alone:8.2f} x  (target >= 0.8)")
    print(f"token requests             {stats['token_requests']:8d}    (target 1)")
    print(f"platform refusals          {stats['refusals'] or 'none'}")


if __name__ == "__main__":
    main()
