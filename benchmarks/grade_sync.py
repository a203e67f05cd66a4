"""Scores per second through the outbox to a local strict AGS platform.

    .venv/bin/python benchmarks/grade_sync.py [--scores 1000] [--workers 4]

Releases N scores (one per learner, each in its own transaction, as
assessment does), then drains the outbox with W worker processes against the
test platform, which runs in its own process on 127.0.0.1. Beside it, the
platform's own acceptance rate in the same run: the same N score posts
sent straight to it by W processes with one token and no database. Also the
number of token requests the drain made.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lti_tool import create_app  # noqa: E402
from lti_tool import score_payloads as payloads  # noqa: E402
from lti_tool.db import db, upgrade_schema, utcnow  # noqa: E402
from lti_tool.models import Registration  # noqa: E402
from lti_tool.vocab import Scope  # noqa: E402
from tests.ags_peer import RemotePeer  # noqa: E402
from tests.grading_setup import CLIENT_ID, release, seed  # noqa: E402


def in_processes(count: int, work) -> float:
    """Run ``work(n)`` in ``count`` forked processes; seconds until all end.

    Processes, as in production (several ``grades worker`` or gunicorn
    workers), so the figure is not one interpreter's lock.
    """
    fork = multiprocessing.get_context("fork")
    procs = [fork.Process(target=work, args=(n,)) for n in range(count)]
    started = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
        assert proc.exitcode == 0, "a worker failed"
    return time.perf_counter() - started


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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp}/bench.db",
                "instance_path": f"{tmp}/instance",
                "keys_dir": f"{tmp}/keys",
                "base_url": "http://localhost",
                "log_level": args.log_level,
            }
        )
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

                # No connection may cross a fork.
                db.engine.dispose()
            sync = app.extensions["pathmark.grading"]

            def drain(n: int) -> None:
                with app.app_context():
                    sync.drain()
                    db.session.remove()
                    db.engine.dispose()

            outbox = args.scores / in_processes(args.workers, drain)
            stats = peer.admin()
            assert stats["accepted"] == args.scores, stats

            with app.app_context():
                reg = db.session.get(Registration, s.registration_id)
                token = sync.tokens.get(reg, [Scope.SCORE])
            item = peer.add_line_item()
            url = payloads.scores_url(peer.lineitem_url(item))
            platform = platform_rate(url, token, users, args.workers)
        finally:
            server.stdin.close()
            server.wait(10)
            with app.app_context():
                db.engine.dispose()

    print(f"scores                     {args.scores}")
    print(f"worker processes           {args.workers}")
    print(f"queued in transactions     {queued:8.0f} /s")
    print(f"delivered through outbox   {outbox:8.0f} /s")
    print(f"platform acceptance alone  {platform:8.0f} /s")
    print(f"outbox / platform          {outbox / platform:8.2f} x  (target >= 0.8)")
    print(f"token requests             {stats['token_requests']:8d}    (target 1)")
    print(f"platform refusals          {stats['refusals'] or 'none'}")


if __name__ == "__main__":
    main()
