"""The comment bank: catalogue variants, course entries and the scoring screen."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from lti_tool import comment_bank, rubrics
from lti_tool.catalogue import normalised
from lti_tool.catalogue_files import read
from lti_tool.catalogue_io import example_catalogue_dir
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.models import CommentEntry
from tests.credential_factory import criterion_data, definition_data
from tests.unit.test_assessment_pages import course, sheet_path  # noqa: F401


def test_variants_per_level_each_with_a_next_step():
    definition = definition_from_dict(definition_data(), version=1)
    for criterion in definition.rubric.criteria:
        for level in criterion.levels:
            texts = comment_bank.catalogue_variants(criterion, level.number)
            assert texts and len(set(texts)) == len(texts)
            standard = rubrics.standard_text(criterion, level.number).lower()
            assert not [t for t in texts if t.lower() in standard]
            for text in texts:
                assert "no next step" not in " ".join(
                    rubrics.feedback_warnings(criterion, level.number, text)
                )


def test_variants_point_at_the_next_level_below_the_top():
    definition = definition_from_dict(definition_data(), version=1)
    coherence = definition.rubric.criterion("coherence")
    second = comment_bank.catalogue_variants(coherence, 2)
    assert any("To reach Secure: Coherence at step 3." in t for t in second)
    top = comment_bank.catalogue_variants(coherence, 4)
    assert not any("To reach" in t for t in top)


def test_levels_without_a_script_fall_back_to_descriptors():
    bare = criterion_data("range", "Range")
    for level in bare["levels"]:
        del level["feedback"]
    data = definition_data()
    data["rubric"] = {"criteria": [bare]}
    criterion = definition_from_dict(data, version=1).rubric.criteria[0]
    # "Range: Not yet. Range at step 1." is the standard text itself.
    assert comment_bank.catalogue_variants(criterion, 1) == [
        "Next step, towards Developing: Range at step 2.",
    ]
    assert comment_bank.catalogue_variants(criterion, 4) == []


def _example(key: str, criterion_id: str):
    found = read([example_catalogue_dir()]).credentials
    entry = next(e for e in found if e.data["key"] == key)
    definition = definition_from_dict(normalised(entry.data), version=1)
    return definition.rubric.criterion(criterion_id)


def test_variants_that_repeat_the_standard_text_are_left_out():
    task = _example("introduce-yourself", "task-coverage")
    standard = rubrics.standard_text(task, 2)
    assert standard.startswith(
        "You answered part of the card clearly. Next step: Cover all four prompts;"
    )
    texts = comment_bank.catalogue_variants(task, 2)
    # The strength with the next step, and the next step with the practice
    # action, are both word for word in the standard text.
    assert texts == [
        "You answered part of the card clearly. Your level: Developing. Answers"
        " two of the four prompts. Next step: Cover all four prompts; keep one"
        " sentence for the person close to you.",
        "To reach Secure: Answers all four prompts. Next step: Cover all four"
        " prompts; keep one sentence for the person close to you.",
    ]


def test_repeats_are_found_sentence_by_sentence():
    task = _example("introduce-yourself", "task-coverage")
    script = task.feedback[2]
    # A next step that starts "Next time" is used as it is, so the strength
    # and the step are sentences of the standard text but not one run of it.
    shuffled = replace(
        task,
        feedback={
            2: replace(
                script,
                strength="  You answered PART of the card   clearly.",
                next_step="Next time, cover all four prompts.",
            )
        },
    )
    texts = comment_bank.catalogue_variants(shuffled, 2)
    # Left out: the strength with the step, the step with the practice.
    assert [t.split(". ")[1] for t in texts] == [
        "Your level: Developing",
        "Next time, cover all four prompts.",
    ]
    assert texts[1].startswith("To reach Secure: Answers all four prompts.")


def bank_page(people, who):
    return f"/assess/{people[who].id}/comments"


def test_staff_add_entries_for_their_course_only(course, app):  # noqa: F811
    mentor = course["mentor"]
    added = mentor.post(
        bank_page(course, "mentor"),
        {"criterion": "fluency", "level": "2", "text": "  Nice rhythm. Try a pause.  "},
    )
    assert added.status_code == 303
    html = mentor.get(bank_page(course, "mentor")).get_data(as_text=True)
    assert 'data-source="course">Nice rhythm. Try a pause.' in html
    # Another course's staff neither see it nor can remove it.
    outsider = course["outsider"]
    other = outsider.get(bank_page(course, "outsider"))
    assert other.status_code == 200
    assert "Nice rhythm" not in other.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalars(db.select(CommentEntry)).one()
        assert entry.text == "Nice rhythm. Try a pause."
    removed = outsider.post(f"/assess/{outsider.id}/comments/{entry.id}/remove")
    assert removed.status_code == 404
    # The scoring screen offers it for that criterion and level.
    sheet = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    assert re.search(
        r'data-insert="note-fluency" data-text="Nice rhythm. Try a pause."', sheet
    )
    gone = mentor.post(f"/assess/{mentor.id}/comments/{entry.id}/remove")
    assert gone.status_code == 303
    with app.app_context():
        assert db.session.scalars(db.select(CommentEntry)).all() == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"criterion": "tone", "level": "2", "text": "x"}, "Pick a criterion"),
        ({"criterion": "range", "level": "9", "text": "x"}, "Pick a criterion"),
        ({"criterion": "range", "level": "two", "text": "x"}, "Pick a criterion"),
        ({"criterion": "range", "level": "2", "text": "   "}, "Write the comment"),
        ({"criterion": "range", "level": "2", "text": "x" * 1001}, "at most 1000"),
    ],
)
def test_bad_entries_are_refused_with_a_message(
    course,  # noqa: F811
    app,
    form,
    message,
):
    response = course["mentor"].post(bank_page(course, "mentor"), form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(CommentEntry)).all() == []


def test_learners_cannot_read_or_add(course, app):  # noqa: F811
    learner = course["learner"]
    assert learner.get(bank_page(course, "learner")).status_code == 403
    posted = learner.post(
        bank_page(course, "learner"),
        {"criterion": "range", "level": "2", "text": "Mine"},
    )
    assert posted.status_code == 403
    with app.app_context():
        assert db.session.scalars(db.select(CommentEntry)).all() == []


def test_scoring_screen_shows_the_chosen_levels_comments(course):  # noqa: F811
    mentor = course["mentor"]
    mentor.post(
        sheet_path(course, "mentor"),
        {"level-range": "3", "action": "draft", "revision": "0"},
    )
    html = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    box = re.search(r'data-bank-for="range">(.*?)</div>', html, re.S).group(1)
    shown = re.findall(r'<ul data-bank-level="(\d)"(?! hidden)>', box)
    assert shown == ["3"]
    # Two catalogue variants for each level below the top, one at the top.
    assert box.count('data-insert="note-range"') == 2 * 3 + 1
    assert "comment_bank.js" in html


def test_a_level_that_does_not_exist_is_refused_and_the_page_still_shows(
    course,  # noqa: F811
):
    mentor = course["mentor"]
    response = mentor.post(
        sheet_path(course, "mentor"),
        {"level-range": "7", "level-fluency": "2", "action": "draft", "revision": "0"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "there is no level 7" in html
    assert re.search(r'name="level-fluency" value="2"[^>]*checked', html)
    assert not re.search(r'name="level-range" value="\d"[^>]*checked', html)
