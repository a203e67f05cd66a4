"""Scores reach a strict AGS peer over HTTP, in the shape platforms accept."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lti_tool.db import db, utcnow
from lti_tool.models import GradeLineItem, ResourceLink, ScoreDelivery
from lti_tool.vocab import Scope
from tests.grading_setup import release, seed, submit

Row = ScoreDelivery
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


def rows():
    return db.session.scalars(select(Row).order_by(Row.id)).all()


def test_submission_then_release_reach_the_gradebook(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        release(s, "learner-1", given=9)
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        assert [r.status for r in rows()] == ["sent", "sent"]

    first, second = peer.scores_for("learner-1")
    assert first["activityProgress"] == "Submitted"
    assert first["gradingProgress"] == "PendingManual"
    assert first["scoreMaximum"] == 12.0 and "scoreGiven" not in first
    assert second["gradingProgress"] == "FullyGraded"
    assert second["activityProgress"] == "Completed"
    assert (second["scoreGiven"], second["scoreMaximum"]) == (9, 12.0)
    # The event names no stored credential version: ids and numbers stand in.
    assert second["comment"].startswith("Mastery reached. Fluency: level 3;")
    assert "/feedback/" in second["comment"]
    assert STAMP.match(first["timestamp"]) and second["timestamp"] > first["timestamp"]
    # No Canvas extension for Moodle; one token for the one scope set.
    assert "https://canvas.instructure.com/lti/submission" not in second
    assert peer.token_requests == 1
    assert not peer.refusals


@pytest.mark.parametrize("mode", ["canvas"])
def test_canvas_gets_the_submission_extension(app, peer, sync):
    with app.app_context():
        s = seed(peer, family="canvas")
        submit(s, "learner-1")
        release(s, "learner-1")
        db.session.commit()
        # Both queued before the worker ran: only the newest goes out...
        assert sync.drain() == {"superseded_here": 1, "delivered": 1}
        submit(s, "learner-1", submission_id=2)
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
    released, resubmitted = peer.scores_for("learner-1")
    ext = "https://canvas.instructure.com/lti/submission"
    assert released[ext] == {
        "new_submission": False,
        "submitted_at": "2026-12-01T09:30:00.250+00:00",
    }
    assert resubmitted[ext]["new_submission"] is True
    # ...and Canvas counted one attempt for the learner's own submission.
    assert sum(peer.attempts.values()) == 1


def test_a_rolled_back_decision_leaves_no_score(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        submit(s, "learner-1")
        db.session.rollback()
        assert rows() == []
        assert sync.drain() == {}
    assert peer.accepted == []


def test_no_scores_for_staff_or_launches_without_ags(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        submit(s, "teacher-1")
        bare = seed(peer, ags=False, learners=("learner-2",), staff=())
        submit(bare, "learner-2")
        db.session.commit()
        assert rows() == []
    assert peer.token_requests == 0


def test_line_item_is_created_once_and_read_back(app, peer, sync):
    peer.fixed_maximum = 10
    with app.app_context():
        s = seed(peer, lineitem=None, learners=("learner-1", "learner-2"))
        submit(s, "learner-1")
        submit(s, "learner-2")
        db.session.commit()
        assert sync.drain() == {"delivered": 2}
        item = db.session.scalar(select(GradeLineItem))
        assert item.source == "created"
        assert "keeps scoreMaximum 10" in item.warning
    assert len(peer.line_items) == 1
    created = peer.line_items[1]
    assert created["resourceId"] == "introduce-yourself"
    assert created["tag"] == "pathmark"
    assert {b["userId"] for b in peer.accepted} == {"learner-1", "learner-2"}


def test_an_existing_line_item_is_found_not_duplicated(app, peer, sync):
    with app.app_context():
        s = seed(peer, lineitem=None)
        link = db.session.get(ResourceLink, s.link_id)
        peer.add_line_item(resourceLinkId=link.link_id, resourceId=link.credential_key)
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        assert db.session.scalar(select(GradeLineItem)).source == "found"
    assert len(peer.line_items) == 1


def test_without_line_item_or_scope_to_make_one_it_fails_plainly(app, peer, sync):
    with app.app_context():
        s = seed(peer, lineitem=None, scopes=[Scope.SCORE.value])
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"no_line_item": 1}
        (row,) = rows()
        assert row.status == "failed"
        assert "no line item scope" in row.last_message


def test_removed_line_item_is_looked_up_once_then_failed(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        peer.line_items.clear()
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"line_item_removed": 1}
        (row,) = rows()
        assert (row.status, row.last_status) == ("failed", 404)
        assert "line item not found" in row.last_message


def test_moved_line_item_is_found_again(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        link_id = peer.line_items[1]["resourceLinkId"]
        del peer.line_items[1]
        peer.add_line_item(resourceLinkId=link_id, resourceId="introduce-yourself")
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
    assert len(peer.accepted) == 1


@pytest.mark.parametrize("mode", ["moodle", "canvas"])
def test_a_user_the_platform_will_not_grade_is_failed_with_its_words(
    app, peer, sync, mode
):
    with app.app_context():
        s = seed(peer)
        peer.gradable.clear()
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"not_gradable": 1}
        (row,) = rows()
        assert row.status == "failed"
        expected = "Incorrect score" if mode == "moodle" else "not a student"
        assert expected in row.last_message
        assert row.last_status == (400 if mode == "moodle" else 422)


@pytest.mark.parametrize("mode", ["canvas"])
def test_canvas_404_for_a_student_view_user_is_not_a_removed_column(
    app, peer, sync, mode
):
    with app.app_context():
        s = seed(peer, learners=("learner-1", "learner-2"))
        peer.test_students.add("learner-1")
        submit(s, "learner-1")
        submit(s, "learner-2")
        db.session.commit()
        assert sync.drain() == {"not_gradable": 1, "delivered": 1}
        refused, sent = rows()
        assert (refused.status, refused.last_status) == ("failed", 404)
        assert "does not exist" in refused.last_message
    # The column is still used for everyone else.
    assert [b["userId"] for b in peer.accepted] == ["learner-2"]


def test_a_platform_address_the_outbound_policy_refuses_fails_without_retry(
    app, peer, sync
):
    from lti_tool.public_address import AddressPolicy

    http = sync.ags.http
    adapters = [http.get_adapter(f"{scheme}://") for scheme in ("http", "https")]
    with app.app_context():
        s = seed(peer)
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        # The token is cached; now the platform's address becomes refused,
        # as after an administrator narrows the allowed networks.
        for adapter in adapters:
            adapter.policy = AddressPolicy()
        release(s, "learner-1", given=9)
        db.session.commit()
        assert sync.drain() == {"address_refused": 1}
        (_, row) = rows()
        assert row.status == "failed"
        assert "outbound address policy" in row.last_message
    assert len(peer.accepted) == 1


def test_a_token_endpoint_the_outbound_policy_refuses_is_never_called(app, peer, sync):
    from lti_tool.public_address import AddressPolicy

    http = sync.ags.http
    for scheme in ("http", "https"):
        http.get_adapter(f"{scheme}://").policy = AddressPolicy()
    with app.app_context():
        s = seed(peer)
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"address_refused": 1}
        (row,) = rows()
        assert row.status == "failed"
    assert peer.token_requests == 0 and not peer.accepted


def test_a_later_score_in_the_gradebook_fails_as_superseded(app, peer, sync):
    with app.app_context():
        s = seed(peer)
        peer.results[(1, "learner-1")] = {"timestamp": "2999-01-01T00:00:00.000+00:00"}
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"superseded": 1}
        assert rows()[0].status == "failed"


def test_a_score_that_cannot_be_sent_never_undoes_the_submission(app, peer, caplog):
    from dataclasses import replace

    from lti_tool.signals import SubmissionEvent, submission_submitted

    with app.app_context():
        s = seed(peer)
        good = SubmissionEvent(
            submission_id=7,
            resource_link_id=s.link_id,
            person_id=s.people["learner-1"],
            credential_version_id=None,
            launch_id=s.launches["learner-1"],
            submitted_at=utcnow(),
            score_maximum=12,
        )
        # No rubric maximum, and a launch that is gone: logged, not raised.
        submission_submitted.send("t", event=replace(good, score_maximum=0))
        submission_submitted.send("t", event=replace(good, launch_id="gone"))
        db.session.commit()
        assert rows() == []
    logged = caplog.text
    assert "reason=invalid_score" in logged and "reason=unknown_launch" in logged


def test_a_deep_linked_column_is_found_by_its_versioned_resource_id(app, peer, sync):
    with app.app_context():
        s = seed(peer, lineitem=None)
        link = db.session.get(ResourceLink, s.link_id)
        # Two columns on the link; ours as Deep Linking named it (no tag kept).
        rl = link.link_id
        other = peer.add_line_item(resourceLinkId=rl, resourceId="other@v1")
        ours = peer.add_line_item(resourceLinkId=rl, resourceId="introduce-yourself@v2")
        submit(s, "learner-1")
        db.session.commit()
        assert sync.drain() == {"delivered": 1}
        assert db.session.scalar(select(GradeLineItem.url)) == peer.lineitem_url(ours)
    assert len(peer.line_items) == 2 and other != ours
