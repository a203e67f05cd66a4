"""A real release through the assessment service mints the badge."""

from __future__ import annotations

import base64

import pytest

from lti_tool import assessments, releases
from lti_tool.badges import issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward
from lti_tool.moderation import Action
from tests.assessment_factory import all_at, world


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world()
    course = w.course("course-1")
    link = w.link(course, "link-1")
    learner = w.person(course, "learner", "learner")
    mentor = w.person(course, "mentor", "mentor")
    teacher = w.person(course, "teacher", "instructor")
    submission = w.submission(link, learner)
    db.session.commit()
    yield w, learner, mentor, teacher, submission
    db.session.rollback()
    ctx.pop()


def _release(scene, level: int):
    w, learner, mentor, teacher, submission = scene
    row = assessments.save(
        mentor,
        submission.id,
        revision=0,
        levels=all_at(level),
        notes={},
        submit=True,
        draw=0.5,
    )
    db.session.commit()
    if row.moderation_required:
        row = releases.moderate(
            teacher, row.id, revision=row.revision, action=Action.VERIFY
        )
        db.session.commit()
    event = releases.release(mentor, row.id, revision=row.revision, sender="t")
    db.session.commit()
    return event


def test_released_mastery_mints_a_valid_badge_with_the_evidence_digest(scene):
    event = _release(scene, 3)
    [award] = db.session.scalars(db.select(BadgeAward)).all()
    assert award.person_id == event.person_id
    assert award.credential_version_id == event.credential_version_id
    assert award.assessment_id == event.assessment_id
    doc = award.document
    sri = "sha256-" + base64.b64encode(bytes.fromhex("ab" * 32)).decode()
    assert [e["digestSRI"] for e in doc["evidence"]] == [sri]
    levels = {r["achievedLevel"][-1] for r in doc["credentialSubject"]["result"]}
    assert levels == {"3"}
    assert issuance.verdict(doc).valid


def test_released_non_mastery_mints_nothing(scene):
    event = _release(scene, 2)
    assert event.mastery is False
    assert db.session.scalars(db.select(BadgeAward)).all() == []
