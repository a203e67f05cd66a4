"""A moderator may score blind; the consistency report says who did."""

from __future__ import annotations

import re

import pytest

from lti_tool import consistency
from lti_tool.assessment_rights import Actor
from lti_tool.db import db
from lti_tool.models import Launch, Moderation
from lti_tool.vocab import Claim
from tests.assessment_factory import all_at
from tests.unit.test_assessment_pages import (  # noqa: F401
    assessment_id,
    course,
    levels_form,
    revision_in,
    sheet_path,
)

SCORED = all_at(3) | {"range": "4"}


@pytest.fixture
def people(course):  # noqa: F811
    return course


def _scored(people, app) -> int:
    mentor = people["mentor"]
    data = levels_form(SCORED) | {"note-range": "Varied verbs."}
    assert mentor.post(sheet_path(people, "mentor"), data).status_code == 303
    return assessment_id(app)


def _moderation_part(html: str) -> str:
    return html[html.index("data-moderation") :]


def _adjust(people, aid, html, levels, **extra):
    teacher = people["teacher"]
    data = {"revision": revision_in(html), "action": "adjust"}
    data |= {f"level-{k}": v for k, v in levels.items()} | extra
    response = teacher.post(f"/assess/{teacher.id}/assessments/{aid}/moderate", data)
    assert response.status_code == 303, response.get_data(as_text=True)


def _report(app, people):
    with app.app_context():
        launch = db.session.get(Launch, people["teacher"].id)
        roles = tuple(launch.claims[Claim.ROLES])
        actor = Actor(launch.person_id, launch.course_id, roles)
        (section,), _ = consistency.consistency(actor)
        return set(section.blind.values())


def test_scoring_blind_shows_a_blank_form_and_no_assessor_levels(people, app):
    _scored(people, app)
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher"), blind="1").get_data(as_text=True)
    assert 'data-moderation="blind"' in html and "data-assessor-hidden" in html
    assert 'data-level="range"' not in html and "Varied verbs." not in html
    part = _moderation_part(html)
    assert 'name="blind" value="yes"' in part
    assert " checked" not in part  # no level picked for them
    assert 'value="verify"' not in part  # verifying needs the levels in view
    assert "data-show-assessor" in part and "blind=" not in part


def test_with_the_assessors_levels_in_view_the_adjust_form_starts_blank(people, app):
    _scored(people, app)
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    assert re.search(r'data-level="range">4 ', html)  # the assessor's levels
    part = _moderation_part(html)
    assert 'value="verify"' in part and 'name="blind"' not in part
    assert " checked" not in part
    assert "data-score-blind" in part and "blind=1" in part


def test_a_blind_scoring_is_recorded_and_reported_as_independent(people, app):
    aid = _scored(people, app)
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher"), blind="1").get_data(as_text=True)
    _adjust(people, aid, html, all_at(3), blind="yes")
    with app.app_context():
        row = db.session.scalars(db.select(Moderation)).one()
        assert row.blind and row.outcome == Moderation.ADJUSTED
    assert _report(app, people) == {(1, 1)}
    page = teacher.get(f"/assess/{teacher.id}/consistency").get_data(as_text=True)
    assert 'data-blind="1/1"' in page and "independent" in page
    # Once saved, the assessor's levels show beside the moderator's.
    after = teacher.get(sheet_path(people, "teacher"), blind="1").get_data(as_text=True)
    assert "(assessor: 4)" in after
    assert "adjusted (scored blind)" in after  # the audit trail says so


def test_levels_saved_after_seeing_the_assessors_are_not_independent(people, app):
    aid = _scored(people, app)
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    _adjust(people, aid, html, all_at(3))
    with app.app_context():
        assert not db.session.scalars(db.select(Moderation)).one().blind
    after = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    assert "adjusted" in after and "(scored blind)" not in after
    assert _report(app, people) == {(0, 1)}
    page = teacher.get(f"/assess/{teacher.id}/consistency").get_data(as_text=True)
    assert 'data-blind="0/1"' in page and "seen the assessor" in page


def test_work_the_policy_did_not_pick_shows_its_levels_for_release(people, app):
    # Every mastery decision is verified; this one is not mastery, so it is
    # ready to release and the person releasing it sees what they release.
    mentor = people["mentor"]
    not_mastery = levels_form(all_at(2))
    assert mentor.post(sheet_path(people, "mentor"), not_mastery).status_code == 303
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher"), blind="1").get_data(as_text=True)
    assert "data-assessor-hidden" not in html and "data-release" in html
    assert re.search(r'data-level="range">2 ', html)


def test_why_a_scoring_is_checked_is_shown_to_moderators_only(people, app):
    _scored(people, app)
    reason = "(policy: every mastery decision)"
    mentor = people["mentor"].get(sheet_path(people, "mentor")).get_data(as_text=True)
    assert "needs verification" in mentor and reason not in mentor
    teacher = people["teacher"]
    seen = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    assert f"needs verification {reason}" in seen
    blind = teacher.get(sheet_path(people, "teacher"), blind="1")
    assert reason not in blind.get_data(as_text=True)
