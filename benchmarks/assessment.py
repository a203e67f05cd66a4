"""Assessment: queue, scoring screen and save under a large course.

    .venv/bin/python benchmarks/assessment.py [--learners 2000] [--rounds 30]

Builds a course on a temporary SQLite database with one handed-in attempt
per learner, a quarter of them already scored, then times through the
Flask test client (in process, no network): the activity queue page
(beside a baseline: the same rows by a bare SELECT and string join), the
scoring screen, saving a draft and submitting a scoring. Also times the
consistency statistics over 100,000 double-scored criteria. Prints the
median and 95th percentile per step in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from lti_tool import agreement, assessments, create_app  # noqa: E402
from lti_tool.db import db, upgrade_schema  # noqa: E402
from lti_tool.services import services  # noqa: E402
from tests.assessment_factory import all_at, world  # noqa: E402
from tests.platform_fake import FakePlatform  # noqa: E402

BARE_QUEUE = text(
    "SELECT s.id, s.attempt, s.submitted_at, p.name, a.status, a.revision "
    "FROM submission s JOIN person p ON p.id = s.person_id "
    "LEFT JOIN assessment a ON a.submission_id = s.id "
    "WHERE s.resource_link_id = :link AND s.status != 'draft' "
    "ORDER BY s.submitted_at, s.id"
)


def _figures(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[max(0, round(len(ms) * 0.95) - 1)]
    print(f"{name:<28} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


def _timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="pathmark-bench-"))
    app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'bench.db'}",
            "instance_path": str(folder / "instance"),
            "keys_dir": str(folder / "keys"),
            "base_url": "http://localhost",
            "log_level": "WARNING",
        }
    )
    with app.app_context():
        upgrade_schema()
        services().keyring.ensure()
    FakePlatform(app).register()

    with app.app_context():
        w = world()
        course = w.course()
        link = w.link(course)
        mentor = w.person(course, "mentor", "mentor")
        submissions = []
        for n in range(args.learners):
            learner = w.person(course, f"learner-{n}", "learner")
            submissions.append(w.submission(link, learner).id)
        for sid in submissions[: args.learners // 4]:
            assessments.save(
                mentor, sid, revision=0, levels=all_at(2), notes={}, submit=True
            )
        launch_id = w.launch(link, mentor, "staff")
        link_id = link.id
        token = services().tokens.issue(launch_id)
        db.session.commit()

    client = app.test_client()
    base = f"/assess/{launch_id}"
    open_ids = iter(submissions[args.learners // 4 :])
    print(f"{args.learners} learners, {args.rounds} rounds")

    def queue():
        assert (
            client.get(f"{base}/queue", query_string={"lt": token}).status_code == 200
        )

    def screen():
        path = f"{base}/submissions/{submissions[-1]}"
        assert client.get(path, query_string={"lt": token}).status_code == 200

    def draft_then_submit():
        sid = next(open_ids)
        form = {"lt": token, "action": "draft", "revision": "0", "level-range": "3"}
        path = f"{base}/submissions/{sid}"
        assert client.post(path, data=form).status_code == 303
        form = {"lt": token, "action": "submit", "revision": "1"}
        form |= {f"level-{k}": v for k, v in all_at(3).items()}
        assert client.post(path, data=form).status_code == 303

    def bare_rows():
        # Baseline: the queue's rows by a bare SELECT, no ORM, no template.
        with app.app_context():
            rows = db.session.execute(BARE_QUEUE, {"link": link_id}).all()
            "".join(f"<tr><td>{r[0]}</td><td>{r[3]}</td></tr>" for r in rows)

    _figures("baseline: bare rows", _timed(bare_rows, args.rounds))
    _figures("queue page", _timed(queue, args.rounds))
    _figures("scoring screen", _timed(screen, args.rounds))
    _figures("draft + submit (2 posts)", _timed(draft_then_submit, args.rounds))

    ratings = [
        agreement.Rating(f"c{i % 4}", i % 7, 100 + i % 3, 1 + i % 4, 1 + (i // 3) % 4)
        for i in range(100_000)
    ]
    _figures(
        "consistency, 100k ratings",
        _timed(lambda: agreement.report(ratings, [1, 2, 3, 4]), 5),
    )


if __name__ == "__main__":
    main()
