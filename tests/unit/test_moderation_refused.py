"""A refused adjustment shows the moderator's own levels and notes again.

Scoring saves already keep the person's choices on a refused sheet; a
moderator who forgot one criterion, or whose blind scoring was refused,
had only an error page, and what they had picked and written was gone.
"""

from __future__ import annotations

import re

from tests.assessment_factory import all_at
from tests.unit.test_assessment_pages import (  # noqa: F401
    assessment_id,
    course,
    levels_form,
    revision_in,
    sheet_path,
)

NOTE = "Fluency holds up well; next step: link the last two events."


def _scored(people, app) -> int:
    mentor = people["mentor"]
    assert mentor.post(sheet_path(people, "mentor"), levels_form(all_at(3))).status_code
    return assessment_id(app)


def _adjust(people, aid, data):
    teacher = people["teacher"]
    html = teacher.get(sheet_path(people, "teacher")).get_data(as_text=True)
    return teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/moderate",
        {"revision": revision_in(html), "action": "adjust"} | data,
    )


def _picked(html: str, criterion: str) -> list[str]:
    found = re.findall(rf'name="level-{criterion}" value="(\d)"[^>]*?(checked)?>', html)
    return [value for value, checked in found if checked]


def test_an_incomplete_adjustment_keeps_the_moderators_choices(
    course,  # noqa: F811
    app,
):
    aid = _scored(course, app)
    data = {"level-coherence": "2", "level-range": "4", "note-fluency": NOTE}
    response = _adjust(course, aid, data)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "no level chosen for" in html
    assert _picked(html, "coherence") == ["2"]
    assert _picked(html, "range") == ["4"]
    assert NOTE in html
    assert "data-moderation" in html  # the form to try again is there


def test_a_refused_blind_adjustment_stays_blind(
    course,  # noqa: F811
    app,
):
    aid = _scored(course, app)
    response = _adjust(course, aid, {"level-coherence": "2", "blind": "yes"})
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert 'data-moderation="blind"' in html
    assert "data-assessor-hidden" in html
    assert _picked(html, "coherence") == ["2"]
