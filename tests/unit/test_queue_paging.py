"""The mentor queue pages each bucket, and counts only what the viewer can do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from lti_tool import assessments, mentor_queue
from lti_tool.db import db
from tests.assessment_factory import all_at, world


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world()
    course = w.course("course-1")
    s = SimpleNamespace(
        world=w,
        course=course,
        link=w.link(course, "link-1"),
        mentor=w.person(course, "mentor", "mentor"),
        teacher=w.person(course, "teacher", "instructor"),
        ta=w.person(course, "ta", "ta"),
    )
    yield s
    db.session.rollback()
    ctx.pop()


def hand_in(s, count: int, same_time: bool = False) -> list[int]:
    """``count`` learners hand in; ids in the order the queue should list them."""
    ids = []
    for n in range(count):
        learner = s.world.person(s.course, f"learner-{len(ids)}-{n}", "learner")
        sub = s.world.submission(s.link, learner)
        if not same_time:
            # Later learners handed in earlier: order is by time, not by id.
            sub.submitted_at = datetime(2026, 12, 1, tzinfo=UTC) - timedelta(minutes=n)
        ids.append(sub.id)
    db.session.commit()
    return ids if same_time else ids[::-1]


def score(who, submission_id: int, level: int = 3) -> None:
    assessments.save(
        who, submission_id, revision=0, levels=all_at(level), notes={}, submit=True
    )
    db.session.commit()


def test_each_page_holds_the_next_rows_and_counts_stay_total(scene):
    expected = hand_in(scene, 7)
    seen = []
    for number in (1, 2, 3):
        found = mentor_queue.queue(
            scene.mentor, scene.link.id, {"to_assess": number}, per_page=3
        )
        assert found.counts["to_assess"] == 7
        assert found.pages["to_assess"].last == 3
        seen += [row.submission_id for row in found.rows["to_assess"]]
    assert seen == expected


def test_ties_in_time_keep_a_stable_order_by_id(scene):
    expected = hand_in(scene, 5, same_time=True)
    first = mentor_queue.queue(scene.mentor, None, {"to_assess": 1}, per_page=2)
    second = mentor_queue.queue(scene.mentor, None, {"to_assess": 2}, per_page=2)
    third = mentor_queue.queue(scene.mentor, None, {"to_assess": 3}, per_page=2)
    listed = [
        r.submission_id for q in (first, second, third) for r in q.rows["to_assess"]
    ]
    assert listed == sorted(expected)


def test_out_of_range_pages_show_the_nearest_page(scene):
    hand_in(scene, 4)
    beyond = mentor_queue.queue(scene.mentor, None, {"to_assess": 99}, per_page=3)
    assert beyond.pages["to_assess"].number == 2
    assert len(beyond.rows["to_assess"]) == 1
    before = mentor_queue.queue(scene.mentor, None, {"to_assess": 0}, per_page=3)
    assert before.pages["to_assess"].number == 1
    empty = mentor_queue.queue(scene.mentor, None, {"released": 5}, per_page=3)
    assert empty.pages["released"].number == 1 and empty.rows["released"] == []


def test_buckets_page_on_their_own(scene):
    ids = hand_in(scene, 6)
    for sid in ids[:4]:
        score(scene.mentor, sid, level=1)  # not mastery: straight to release
    found = mentor_queue.queue(
        scene.mentor, None, {"to_release": 2, "to_assess": 1}, per_page=3
    )
    assert found.counts["to_release"] == 4 and found.counts["to_assess"] == 2
    assert [r.submission_id for r in found.rows["to_release"]] == [ids[3]]
    assert [r.submission_id for r in found.rows["to_assess"]] == ids[4:]


def test_teaching_assistant_counts_nothing_to_moderate(scene):
    ids = hand_in(scene, 2)
    score(scene.mentor, ids[0])  # mastery: a moderator verifies it
    ta = mentor_queue.queue(scene.ta, scene.link.id)
    assert ta.counts["to_moderate"] == 0
    assert ta.counts["with_moderator"] == 1
    assert ta.counts["to_assess"] == 1
    teacher = mentor_queue.queue(scene.teacher, scene.link.id)
    assert teacher.counts["to_moderate"] == 1
    assert teacher.rows["to_moderate"][0].submission_id == ids[0]


def test_moderator_does_not_count_their_own_scoring(scene):
    ids = hand_in(scene, 1)
    score(scene.teacher, ids[0])
    own = mentor_queue.queue(scene.teacher, scene.link.id)
    assert own.counts["to_moderate"] == 0 and own.counts["with_moderator"] == 1


def test_sole_staff_with_self_verification_counts_their_own(app, platform):
    with app.app_context():
        w = world(moderation={"mode": "every_mastery", "allow_self_verification": True})
        course = w.course("solo")
        link = w.link(course, "solo-link")
        teacher = w.person(course, "t", "instructor")
        sub = w.submission(link, w.person(course, "l", "learner"))
        db.session.commit()
        score(teacher, sub.id)
        found = mentor_queue.queue(teacher, link.id)
        assert found.counts["to_moderate"] == 1
        assert found.counts["with_moderator"] == 0


def test_bucket_rule_in_python_matches_the_database(scene):
    ids = hand_in(scene, 3)
    score(scene.mentor, ids[0], level=3)
    score(scene.mentor, ids[1], level=1)
    for actor, may_verify in ((scene.ta, False), (scene.teacher, True)):
        found = mentor_queue.queue(actor, scene.link.id)
        for rows in found.rows.values():
            for row in rows:
                required = row.status == "scored" and row.submission_id == ids[0]
                assert row.bucket == mentor_queue.bucket(
                    "submitted", row.status, required, may_verify
                )


def test_queue_page_links_to_the_next_page(app, client, platform):
    from tests.unit.test_assessment_pages import MENTOR, launch_as

    mentor = launch_as(client, platform, "mentor", MENTOR)
    with app.app_context():
        from lti_tool.models import Launch

        launch = db.session.get(Launch, mentor.id)
        w = world()
        link = launch.resource_link
        link.credential_key = "tell-what-happened"
        link.credential_version_id = w.version_id
        course = SimpleNamespace(id=launch.course_id)
        scene = SimpleNamespace(world=w, course=course, link=link)
        expected = hand_in(scene, mentor_queue.PER_PAGE + 2)
    html = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    assert f'data-count="to_assess">{mentor_queue.PER_PAGE + 2}<' in html
    first = [int(n) for n in re.findall(r'data-submission="(\d+)"', html)]
    assert first == expected[: mentor_queue.PER_PAGE]
    later = re.search(
        r'data-pager="to_assess">.*?<a rel="next" href="([^"]+)"', html, re.S
    ).group(1)
    assert "page-to_assess=2" in later and f"lt={mentor.token}" in later
    html = client.get(later.replace("&amp;", "&")).get_data(as_text=True)
    second = [int(n) for n in re.findall(r'data-submission="(\d+)"', html)]
    assert second == expected[mentor_queue.PER_PAGE :]
    assert 'rel="prev"' in html and 'rel="next"' not in html
