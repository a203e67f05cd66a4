"""The one rubric component: its view from a definition or a signed
credential, and the pages that draw it (learner, scoring, verification)."""

from __future__ import annotations

import copy
import re

from lti_tool import rubric_view
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.models import BadgeAward, CredentialVersion
from tests import badge_helpers as h
from tests.credential_factory import definition_data
from tests.unit.test_assessment_pages import (  # noqa: F401 (a fixture)
    course,
    levels_form,
    sheet_path,
)


def _mint(app) -> str:
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        return db.session.scalars(db.select(BadgeAward)).one().id


def _signed(app, award_id: str) -> dict:
    with app.app_context():
        return copy.deepcopy(db.session.get(BadgeAward, award_id).document)


def test_view_of_a_definition_keeps_levels_points_and_scripts():
    view = rubric_view.view_of(definition_from_dict(definition_data()))
    assert view.id == "rubric-tell-what-happened-1"
    assert [c.id for c in view.criteria][:2] == ["coherence", "range"]
    assert [lv.number for lv in view.columns] == [1, 2, 3, 4]
    assert view.maximum == 16 and view.threshold == 3
    assert view.mastery_note == "Mastery: every criterion at level 3 or above."
    first = view.criteria[0].level(3)
    assert first.script is not None and first.standard
    assert rubric_view.view_of(view) is view


def test_total_rule_names_total_and_floor():
    data = definition_data(
        mastery={
            "kind": "total_at_least",
            "level": 3,
            "min_total": 12,
            "floor_level": 2,
        }
    )
    view = rubric_view.from_definition(definition_from_dict(data))
    assert view.threshold == 2
    assert "a total of at least 12, no criterion below level 2" in view.mastery_note


def test_view_of_a_signed_credential_marks_the_levels_reached(app):
    doc = _signed(app, _mint(app))
    view = rubric_view.from_credential(doc)
    assert view.title == "Tell me what happened"
    assert dict(view.achieved) == h.LEVELS
    assert view.threshold == 3 and view.maximum == 16
    assert view.criteria[1].level(4).label == "Strong"


def test_signed_view_ignores_results_that_point_nowhere(app):
    doc = _signed(app, _mint(app))
    subject = doc["credentialSubject"]
    subject["result"][0]["achievedLevel"] = "https://elsewhere.example/level-9"
    subject["result"][1]["resultDescription"] = "https://elsewhere.example/c"
    view = rubric_view.from_credential(doc)
    assert set(view.achieved) == set(h.LEVELS) - {"coherence", "range"}


def test_credential_without_a_rubric_has_no_view(app):
    doc = _signed(app, _mint(app))
    del doc["credentialSubject"]["achievement"]["resultDescription"]
    assert rubric_view.from_credential(doc) is None
    assert rubric_view.from_credential({}) is None


def test_verification_page_draws_the_signed_rubric_not_the_catalogue(app, client):
    award_id = _mint(app)
    with app.app_context():
        # The catalogue changes after issue; the page must not follow it.
        row = db.session.scalars(db.select(CredentialVersion)).one()
        changed = copy.deepcopy(row.definition)
        changed["rubric"]["criteria"][0]["levels"][2]["descriptor"] = "REWRITTEN"
        row.definition = changed
        db.session.commit()
    html = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    section = html.split('data-view="signed-rubric"', 1)[1]
    assert '<table class="rubric" id="rubric-signed"' in section
    assert section.count('<th scope="col"') == 5
    assert section.count('<th scope="row">') == 4
    assert "REWRITTEN" not in html
    # One achieved cell per criterion, named in words, not colour alone.
    assert section.count('class="mastery achieved"') == 4
    assert section.count("Achieved</strong>") == 4
    assert "Mastery standard: level 3." in section


def test_scoring_sheet_uses_the_shared_component(course, client):  # noqa: F811
    page = course["mentor"].get(sheet_path(course, "mentor"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    table = re.search(r'<table class="rubric scoring-rubric".*?</table>', html, re.S)
    assert table and "data-rubric" in table.group(0)
    body = table.group(0)
    assert body.count('<th scope="col"') == 5 and body.count('<th scope="row">') == 4
    assert body.count('<tr class="criterion" tabindex="0"') == 4
    assert body.count('type="radio" name="level-coherence"') == 4
    assert 'data-standard-for="coherence"' in body
    assert 'name="note-coherence"' in body
    assert "Keys: 1–4 pick a level" in body


def test_scoring_sheet_keeps_levels_and_standard_text(course, client):  # noqa: F811
    posted = course["mentor"].post(
        sheet_path(course, "mentor"),
        levels_form({"coherence": "3"}, action="draft") | {"note-coherence": "Ok"},
    )
    assert posted.status_code == 303
    html = course["mentor"].get(sheet_path(course, "mentor")).get_data(as_text=True)
    assert re.search(r'name="level-coherence" value="3"[^>]*checked', html)
    standard = re.search(r'data-standard-for="coherence">([^<]*)<', html).group(1)
    assert standard.startswith("You showed coherence at step 3.")
    assert ">Ok</textarea>" in html
