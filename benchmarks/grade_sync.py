"""Scores per second through the outbox to a local strict AGS platform.

    .venv/bin/python benchmarks/grade_sync.py [--scores 1000] [--workers 1]

Releases N scores (one per learner, each in its own transaction, as
assessment does), drains the outbox against the test platform on
127.0.0.1, and prints the rate beside the platform's own acceptance rate
measured in the same run (the same N score posts sent directly, one
connection, one token), plus the number of token requests made.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lti_tool import create_app  # noqa: E402
from lti_tool import score_payloads as payloads  # noqa: E402
from lti_tool.db import db, upgrade_schema, utcnow  # noqa: E402
from lti_tool.vocab import Scope  # noqa: E402
from tests.ags_peer import AgsPeer  # noqa: E402
from tests.grading_setup import CLIENT_ID, release, seed  # noqa: E402


def direct_rate(peer: AgsPeer, item_url: str, users: list[str]) -> float:
    """The platform alone: one token, one session, plain score posts."""
    http = requests.Session()
    token = peer.tokens and next(iter(peer.tokens))
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": payloads.SCORE_MEDIA_TYPE,
    }
    url = payloads.scores_url(item_url)
    started = time.perf_counter()
    for user in users:
        body = payloads.score_body(
            payloads.release_score(9, 12, "Level per criterion: Fluency 3."),
            user_id=user,
            timestamp=utcnow(),
            family="moodle",
            new_submission=False,
            submitted_at=None,
        )
        response = http.post(url, json=body, headers=headers, timeout=10)
        response.raise_for_status()
    return len(users) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp}/bench.db",
                "instance_path": f"{tmp}/instance",
                "keys_dir": f"{tmp}/keys",
                "base_url": "http://localhost",
                "log_level": "WARNING",
            }
        )
        keyring = app.extensions["pathmark"].keyring
        with app.app_context():
            upgrade_schema()
            keyring.ensure()
        peer = AgsPeer(keyring.jwks, CLIENT_ID).start()
        users = [f"learner-{n}" for n in range(args.scores)]
        try:
            with app.app_context():
                s = seed(peer, learners=tuple(users), staff=())
                started = time.perf_counter()
                for user in users:
                    release(s, user)
                    db.session.commit()
                queued = time.perf_counter() - started

            sync = app.extensions["pathmark.grading"]

            def work() -> None:
                with app.app_context():
                    sync.drain()
                    db.session.remove()

            started = time.perf_counter()
            threads = [threading.Thread(target=work) for _ in range(args.workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            drained = time.perf_counter() - started
            assert len(peer.accepted) == args.scores, "every score must arrive"
            token_requests = peer.token_requests

            # The same number of scores again, straight to the platform.
            second = peer.add_line_item()
            platform = direct_rate(peer, peer.lineitem_url(second), users)
        finally:
            peer.stop()
            with app.app_context():
                db.engine.dispose()

    outbox = args.scores / drained
    print(f"scores                     {args.scores}")
    print(f"workers                    {args.workers}")
    print(f"queued in transactions     {args.scores / queued:8.0f} /s")
    print(f"delivered through outbox   {outbox:8.0f} /s")
    print(f"platform acceptance alone  {platform:8.0f} /s")
    print(f"outbox / platform          {outbox / platform:8.2f} x  (target >= 0.8)")
    print(
        f"token requests             {token_requests:8d}    (target 1: one scope set)"
    )
    print(f"scope set                  {Scope.SCORE.value}")


if __name__ == "__main__":
    main()
