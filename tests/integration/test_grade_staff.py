"""What staff see and do: the sync page, resync, and the grades CLI."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.db import db
from lti_tool.models import ScoreDelivery
from tests.grading_setup import release, seed

Row = ScoreDelivery


def token(app, launch_id: str) -> str:
    return app.extensions["pathmark"].tokens.issue(launch_id)


def test_staff_page_shows_each_learner_and_resyncs(app, client, peer, sync):
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2", "learner-3"))
        peer.gradable.discard("learner-2")
        for sub in ("learner-1", "learner-2"):
            release(s, sub, given=7)
        db.session.commit()
        sync.drain()
        peer.stop()
        release(s, "learner-3")
        db.session.commit()
        sync.drain()
        peer.start()
        sync.clock.advance(1)
        staff = token(app, s.launches["teacher-1"])
        learner = token(app, s.launches["learner-1"])

    page = client.get(f"/grades/{s.launches['teacher-1']}", query_string={"lt": staff})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-status="failed"' in html and "Incorrect score received" in html
    assert 'data-status="pending"' in html and "next try" in html
    assert 'data-status="sent"' in html and "7 / 12.0" in html
    refused = client.get(
        f"/grades/{s.launches['learner-1']}", query_string={"lt": learner}
    )
    assert refused.status_code == 403

    with app.app_context():
        person = s.people["learner-2"]
    peer.gradable.add("learner-2")
    resync = client.post(
        f"/grades/{s.launches['teacher-1']}/resync",
        query_string={"lt": staff},
        data={"person_id": person},
    )
    assert resync.status_code == 303
    with app.app_context():
        sync.clock.advance(3600)
        counts = sync.drain()
        assert counts["delivered"] == 2  # learner-2 resent, learner-3 at last
        latest = db.session.scalar(
            select(Row).where(Row.person_id == person).order_by(Row.id.desc())
        )
        assert (latest.kind, latest.status) == ("resync", "sent")
    assert len(peer.scores_for("learner-2")) == 1


def test_page_says_when_the_launch_has_no_grade_service(app, client, peer):
    with app.app_context():
        s = seed(peer, ags=False)
        staff = token(app, s.launches["teacher-1"])
    page = client.get(f"/grades/{s.launches['teacher-1']}", query_string={"lt": staff})
    assert "Grade sync is not available" in page.get_data(as_text=True)


def test_cli_status_retry_and_resync(app, peer, sync):
    runner = app.test_cli_runner()
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"))
        peer.gradable.discard("learner-2")
        release(s, "learner-1")
        release(s, "learner-2")
        db.session.commit()
        sync.drain()

        status = runner.invoke(args=["grades", "status"]).output
        assert "sent\t1" in status and "failed\t1" in status
        assert "(not_gradable): HTTP 400" in status

        peer.gradable.add("learner-2")
        retried = runner.invoke(args=["grades", "retry"]).output
        assert "Queued 1 failed" in retried
        once = runner.invoke(args=["grades", "worker", "--once"]).output
        assert "delivered=1" in once

        resynced = runner.invoke(
            args=["grades", "resync", "--activity", str(s.link_id)]
        ).output
        assert "Queued 2 score(s)" in resynced
        assert runner.invoke(args=["grades", "worker", "--once"]).output.strip() == (
            "delivered=2"
        )
        assert db.session.scalar(select(func.count()).select_from(Row)) == 4
    assert len(peer.accepted) == 4
    stamps = [b["timestamp"] for b in peer.scores_for("learner-1")]
    assert stamps == sorted(stamps) and len(set(stamps)) == 2


def test_staff_compare_with_the_gradebook(app, client, peer, sync):
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"))
        release(s, "learner-1", given=9)
        release(s, "learner-2", given=6)
        db.session.commit()
        sync.drain()
        staff = token(app, s.launches["teacher-1"])
    # A teacher overrides learner-2's grade by hand in the LMS.
    peer.results[(1, "learner-2")] = {
        **peer.results[(1, "learner-2")],
        "scoreGiven": 11,
    }
    page = client.get(
        f"/grades/{s.launches['teacher-1']}", query_string={"lt": staff, "check": 1}
    )
    html = page.get_data(as_text=True)
    assert "In the gradebook" in html
    assert html.count('data-differs="true"') == 1
    assert "11 / 12.0" in html and "differs from what Pathmark sent" in html

    peer.stop()
    page = client.get(
        f"/grades/{s.launches['teacher-1']}", query_string={"lt": staff, "check": 1}
    )
    assert "Could not compare with the gradebook" in page.get_data(as_text=True)
    peer.start()


def test_no_results_scope_means_no_comparison(app, client, peer, sync):
    from lti_tool.vocab import Scope

    with app.app_context():
        s = seed(peer, scopes=[Scope.SCORE.value])
        staff = token(app, s.launches["teacher-1"])
    page = client.get(
        f"/grades/{s.launches['teacher-1']}", query_string={"lt": staff, "check": 1}
    )
    assert "grants no reading of results" in page.get_data(as_text=True)
