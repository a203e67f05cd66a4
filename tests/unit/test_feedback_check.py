"""The gentle feedback check: its rules, the live endpoint and the page."""

from __future__ import annotations

import re

import pytest

from lti_tool import comment_bank, rubrics
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.models import Assessment
from tests.credential_factory import definition_data
from tests.unit.test_assessment_pages import (  # noqa: F401
    course,
    levels_form,
    sheet_path,
)

NO_OWN = "Range: no feedback of your own yet; the learner would read only the "
NO_STEP = "Range: the feedback names no next step."
NO_DESCRIPTOR = "Range: the feedback cites nothing of the level descriptor."


@pytest.fixture
def people(course):  # noqa: F811
    return course


def definition():
    return definition_from_dict(definition_data())


def rng():
    return definition().rubric.criterion("range")


# The rules, with known answers (descriptor at level 3: "Range at step 3.")


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("", [NO_OWN + "standard text."]),
        ("   \n ", [NO_OWN + "standard text."]),
        ("Well done!", [NO_STEP, NO_DESCRIPTOR]),
        ("Try new verbs next time.", [NO_DESCRIPTOR]),
        ("Your range was wide.", [NO_STEP]),
        ("Your range is good; try new verbs next time.", []),
        ("Wide range. Aim for step 4 next time.", []),  # the script's own step
        # "try" inside another word is no next step; the whole word is one.
        ("Your range covers each entry of the country list.", [NO_STEP]),
        ("Your range is wide. Now try.", []),
    ],
)
def test_note_warnings_known_answers(note, expected):
    assert rubrics.note_warnings(rng(), 3, note) == expected


def test_the_standard_text_alone_is_not_the_mentors_feedback():
    crit = rng()
    standard = rubrics.standard_text(crit, 3)
    # The standard text passes the rules, yet pasted back as the note it is
    # still Pathmark's words, so the mentor is told they wrote nothing.
    assert rubrics.feedback_warnings(crit, 3, standard) == []
    spaced = "  " + standard.upper().replace(" ", "   ") + "\r\n"
    assert rubrics.note_warnings(crit, 3, spaced) == [NO_OWN + "standard text."]


def test_comment_bank_text_counts_as_the_mentors_feedback():
    crit = rng()
    variants = comment_bank.catalogue_variants(crit, 3)
    with_descriptor = [v for v in variants if "Range at step 3." in v]
    assert with_descriptor
    for text in with_descriptor:
        assert rubrics.note_warnings(crit, 3, text) == []


def test_check_feedback_judges_only_criteria_with_a_level():
    found = rubrics.check_feedback(
        definition(),
        {"range": 3, "fluency": 2},
        {"range": "Your range is good; try new verbs next time.", "coherence": "x"},
    )
    assert found == {
        "range": [],
        "fluency": [
            "Fluency: no feedback of your own yet; the learner would read only "
            "the standard text."
        ],
    }


def test_a_submitted_sheet_without_notes_is_not_passed_on_the_standard_text():
    defn = definition()
    levels = {c.id: 3 for c in defn.rubric.criteria}
    scored = rubrics.compose(defn, levels, {})
    warnings = rubrics.sheet_warnings(defn, scored)
    assert len(warnings) == len(levels)
    assert all("no feedback of your own yet" in w for w in warnings)


# The live endpoint


def check_path(people, who):
    return sheet_path(people, who) + "/feedback-check"


def test_staff_get_the_warnings_per_criterion_and_nothing_is_saved(people, app):
    mentor = people["mentor"]
    form = {"level-range": "3", "note-range": "Well done!", "level-fluency": "2"}
    response = mentor.post(
        check_path(people, "mentor"), form, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json["warnings"] == rubrics.check_feedback(
        definition(), {"range": 3, "fluency": 2}, {"range": "Well done!"}
    )
    assert response.json["warnings"]["range"] == [NO_STEP, NO_DESCRIPTOR]
    with app.app_context():
        assert db.session.scalars(db.select(Assessment)).all() == []


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("learner", 403, "not_staff"), ("outsider", 403, "other_course")],
)
def test_only_the_courses_staff_may_ask(people, who, status, code):
    response = people[who].post(
        check_path(people, who), {"level-range": "3", "note-range": "Hi"}
    )
    assert response.status_code == status
    assert response.json["error"] == code
    assert "warnings" not in response.json


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"level-range": "9"}, "Range: there is no level 9"),
        ({"level-tone": "2"}, "no criterion 'tone'"),
        ({"level-range": "3", "note-range": "x" * 2001}, "at most 2000"),
    ],
)
def test_a_sheet_that_does_not_fit_is_refused_with_a_message(people, form, message):
    mentor = people["mentor"]
    response = mentor.post(check_path(people, "mentor"), form)
    assert response.status_code == 400
    assert response.json["error"] == "bad_sheet"
    assert message in response.json["message"]


# The page


def test_each_note_has_a_live_region_and_the_form_asks_the_check(people):
    mentor = people["mentor"]
    html = mentor.get(sheet_path(people, "mentor")).get_data(as_text=True)
    form = re.search(r"<form [^>]*data-sheet[^>]*>", html).group(0)
    assert f'data-check-url="{check_path(people, "mentor")}"' in form
    for cid in ("coherence", "range", "fluency", "intelligibility"):
        region = re.search(
            rf'<div class="feedback-check" id="([^"]+)" data-check-for="{cid}" '
            r'aria-live="polite">',
            html,
        )
        assert region, cid
        assert f'name="note-{cid}" rows="2" maxlength="2000" ' in html
        assert f'aria-describedby="{region.group(1)}"' in html


def test_a_draft_with_weak_feedback_saves_and_shows_the_warning_beside_it(people, app):
    mentor = people["mentor"]
    form = levels_form({"range": "3"}, "draft") | {"note-range": "Well done!"}
    saved = mentor.post(sheet_path(people, "mentor"), form)
    assert saved.status_code == 303  # advice never blocks saving
    html = mentor.get(sheet_path(people, "mentor")).get_data(as_text=True)
    region = re.search(
        r'data-check-for="range" aria-live="polite">(.*?)</div>', html, re.S
    ).group(1)
    assert NO_STEP in region and NO_DESCRIPTOR in region
    # A criterion without a level yet is not judged.
    empty = re.search(
        r'data-check-for="fluency" aria-live="polite">(.*?)</div>', html, re.S
    ).group(1)
    assert empty.strip() == ""
    with app.app_context():
        row = db.session.scalars(db.select(Assessment)).one()
        assert row.status == "draft" and row.notes == {"range": "Well done!"}


def test_submitting_with_only_the_standard_text_saves_with_a_warning(people):
    mentor = people["mentor"]
    levels = {c: "3" for c in ("coherence", "range", "fluency", "intelligibility")}
    saved = mentor.post(sheet_path(people, "mentor"), levels_form(levels))
    assert saved.status_code == 303
    html = mentor.get(sheet_path(people, "mentor")).get_data(as_text=True)
    warnings = re.search(r"data-warnings>(.*?)</ul>", html, re.S).group(1)
    assert warnings.count("no feedback of your own yet") == 4
