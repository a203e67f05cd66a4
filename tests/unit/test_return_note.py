"""The note staff write when returning work reaches the learner."""

from __future__ import annotations

import pytest

from tests.assessment_factory import all_at
from tests.unit.test_assessment_pages import (  # noqa: F401
    course,
    levels_form,
    revision_in,
    sheet_path,
)


def _return(people, data):
    mentor = people["mentor"]
    html = mentor.get(sheet_path(people, "mentor")).get_data(as_text=True)
    response = mentor.post(
        f"/assess/{mentor.id}/submissions/{people['submission']}/return",
        {"revision": revision_in(html)} | data,
    )
    assert response.status_code == 303, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("note", "shown"),
    [("Say <more> about the ending.", True), ("", False)],
)
def test_learner_sees_the_return_note_with_the_return(
    course,  # noqa: F811
    note,
    shown,
):
    mentor = course["mentor"]
    draft = mentor.post(
        sheet_path(course, "mentor"),
        levels_form(all_at(2), action="draft") | {"overall": "Half-written thought"},
    )
    assert draft.status_code == 303
    _return(course, {"note": note})
    learner = course["learner"]
    html = learner.get(f"/activity/{learner.id}").get_data(as_text=True)
    assert "returned to you" in html
    # A draft comment never reaches the learner; only a note written for them.
    assert "Half-written thought" not in html
    assert ("data-return-note" in html) is shown
    if shown:
        assert "What to change: Say &lt;more&gt; about the ending." in html
