"""The assessor's feedback survives moderation and the moderator can read it."""

from __future__ import annotations

from lti_tool.models import Assessment
from lti_tool.releases import kept_notes
from tests.assessment_factory import all_at
from tests.unit.test_assessment_pages import (  # noqa: F401
    assessment_id,
    course,
    levels_form,
    revision_in,
    sheet_path,
)

NOTES = {"note-range": "Good verbs.", "note-fluency": "Smooth pace."}


def _scored(people, app):
    mentor = people["mentor"]
    response = mentor.post(
        sheet_path(people, "mentor"),
        levels_form(all_at(3)) | NOTES | {"overall": "A clear story overall."},
    )
    assert response.status_code == 303
    return assessment_id(app)


def _moderate(people, aid, data):
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    response = teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/moderate",
        {"revision": revision_in(html)} | data,
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def _release(people, aid):
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    response = teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/release",
        {"revision": revision_in(html)},
    )
    assert response.status_code == 303, response.get_data(as_text=True)


def test_moderator_reads_the_notes_and_overall_comment(course, app):  # noqa: F811
    _scored(course, app)
    teacher = course["teacher"]
    blind = teacher.get(sheet_path(course, "teacher"), blind="1")
    # Hidden while the moderator scores blind, so their scoring is independent.
    assert "Good verbs." not in blind.get_data(as_text=True)
    html = teacher.get(sheet_path(course, "teacher")).get_data(as_text=True)
    assert "data-sheet" not in html  # the read-only view
    assert 'data-note="range">Good verbs.<' in html
    assert 'data-note="fluency">Smooth pace.<' in html
    assert "A clear story overall." in html


def test_an_adjustment_keeps_the_assessors_notes_for_the_learner(
    course,  # noqa: F811
    app,
):
    aid = _scored(course, app)
    levels = {f"level-{k}": v for k, v in (all_at(3) | {"fluency": "2"}).items()}
    _moderate(
        course,
        aid,
        levels | {"action": "adjust", "note-fluency": "Long pauses.", "note-range": ""},
    )
    staff = course["teacher"].get(sheet_path(course, "teacher")).get_data(as_text=True)
    assert 'data-note="fluency">Long pauses.<' in staff
    assert 'data-assessor-note="fluency">Assessor wrote: Smooth pace.<' in staff
    _release(course, aid)
    learner = course["learner"]
    results = learner.get(f"/results/{learner.id}").get_data(as_text=True)
    # Kept where the moderator wrote nothing, replaced where they wrote one.
    assert "Good verbs." in results
    assert "Long pauses." in results and "Smooth pace." not in results
    assert "A clear story overall." in results


def test_a_changed_level_without_a_moderator_note_drops_the_assessors_praise(
    course,  # noqa: F811
    app,
):
    aid = _scored(course, app)
    levels = {f"level-{k}": v for k, v in (all_at(3) | {"fluency": "2"}).items()}
    _moderate(course, aid, levels | {"action": "adjust"})
    _release(course, aid)
    learner = course["learner"]
    results = learner.get(f"/results/{learner.id}").get_data(as_text=True)
    # Fluency went down a level: the learner reads that level's standard
    # feedback, not the note praising the level the assessor chose.
    assert "Smooth pace." not in results
    assert "You showed fluency at step 2." in results
    # Range kept its level, so it keeps the assessor's note.
    assert "Good verbs." in results


def test_kept_notes_per_criterion():
    first = Assessment(
        levels={"range": 3, "fluency": 3, "coherence": 3},
        notes={"range": "Good verbs.", "fluency": "Smooth pace.", "coherence": ""},
    )
    levels = {"range": 3, "fluency": 2, "coherence": 4}
    assert kept_notes(first, levels, {}) == {"range": "Good verbs."}
    assert kept_notes(first, levels, {"fluency": "Long pauses."}) == {
        "range": "Good verbs.",
        "fluency": "Long pauses.",
    }
    # The moderator's own words win where the level stands, too.
    assert kept_notes(first, levels, {"range": "Varied verbs."}) == {
        "range": "Varied verbs."
    }
    # An adjustment stored before the rule carried the assessor's note as a
    # copy; at a changed level that copy is dropped.
    copied = {"range": "Good verbs.", "fluency": "Smooth pace."}
    assert kept_notes(first, levels, copied) == {"range": "Good verbs."}
