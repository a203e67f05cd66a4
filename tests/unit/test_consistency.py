"""The consistency report counts only independent second scorings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lti_tool import assessments, consistency, releases
from lti_tool.db import db
from lti_tool.moderation import Action
from tests.assessment_factory import all_at, world


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world(moderation={"mode": "every_mastery", "allow_self_verification": True})
    course = w.course("course-1")
    s = SimpleNamespace(
        world=w,
        course=course,
        link=w.link(course, "link-1"),
        mentor=w.person(course, "mentor", "mentor"),
        teacher=w.person(course, "teacher", "instructor"),
    )
    db.session.commit()
    yield s
    db.session.rollback()
    ctx.pop()


def _scored(s, who, levels, name):
    learner = s.world.person(s.course, name, "learner")
    sub = s.world.submission(s.link, learner)
    row = assessments.save(
        who, sub.id, revision=0, levels=levels, notes={}, submit=True
    )
    db.session.commit()
    return row


def _moderate(s, who, row, action, **kw):
    releases.moderate(who, row.id, revision=row.revision, action=action, **kw)
    db.session.commit()


def test_plain_verifies_and_self_verification_do_not_count(scene):
    verified = _scored(scene, scene.mentor, all_at(3), "l1")
    _moderate(scene, scene.teacher, verified, Action.VERIFY)
    own = _scored(scene, scene.teacher, all_at(4), "l2")
    _moderate(scene, scene.teacher, own, Action.VERIFY, confirm_self=True)
    sections, names = consistency.consistency(scene.teacher)
    assert sections == [] and names == {}


def test_an_adjustment_counts_every_criterion_under_its_title(scene):
    verified = _scored(scene, scene.mentor, all_at(3), "l1")
    _moderate(scene, scene.teacher, verified, Action.VERIFY)
    adjusted = _scored(scene, scene.mentor, all_at(3), "l2")
    _moderate(
        scene,
        scene.teacher,
        adjusted,
        Action.ADJUST,
        levels=all_at(3) | {"fluency": "1"},
    )
    (section,), names = consistency.consistency(scene.teacher)
    assert section.version_id == scene.world.version_id
    assert section.criteria["fluency"] == "Fluency"
    report = section.report
    # One pair per criterion: the verified scoring adds nothing.
    assert {a.count for a in report.by_criterion.values()} == {1}
    assert report.by_criterion["fluency"].exact == 0.0
    assert report.by_criterion["range"].exact == 1.0
    assert names == {
        scene.mentor.person_id: "mentor",
        scene.teacher.person_id: "teacher",
    }
