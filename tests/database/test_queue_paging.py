"""Queue buckets, counts and pages worked out by the database, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool import assessments, mentor_queue
from lti_tool.db import db
from tests.assessment_factory import all_at, world
from tests.platform_fake import FakePlatform


def test_pages_and_counts_match_the_bucket_rule(app):
    FakePlatform(app).register()
    with app.app_context():
        w = world()
        course = w.course()
        link = w.link(course)
        mentor = w.person(course, "mentor", "mentor")
        teacher = w.person(course, "teacher", "instructor")
        ta = w.person(course, "ta", "ta")
        ids = []
        for n in range(7):
            sub = w.submission(link, w.person(course, f"l{n}", "learner"))
            sub.submitted_at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(
                minutes=n % 3
            )
            ids.append(sub.id)
        db.session.commit()
        for sid, level in zip(ids[:4], (3, 3, 1, 1), strict=True):
            assessments.save(
                mentor, sid, revision=0, levels=all_at(level), notes={}, submit=True
            )
        assessments.save(
            teacher, ids[4], revision=0, levels=all_at(4), notes={}, submit=True
        )
        db.session.commit()

        expected = {
            "to_assess": 2,
            "to_moderate": 2,
            "with_moderator": 1,
            "to_release": 2,
            "returned": 0,
            "released": 0,
        }
        assert mentor_queue.queue(teacher, link.id).counts == expected
        for_ta = mentor_queue.queue(ta, link.id).counts
        assert for_ta["to_moderate"] == 0 and for_ta["with_moderator"] == 3

        order = sorted(ids[:4], key=lambda i: ((i - ids[0]) % 3, i))
        listed = []
        for number in (1, 2):
            page = mentor_queue.queue(
                mentor, None, {"with_moderator": number, "to_release": number}, 1
            )
            listed += [r.submission_id for r in page.rows["to_release"]]
            assert page.counts["to_release"] == 2
        assert listed == [i for i in order if i in ids[2:4]]
