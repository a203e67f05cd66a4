"""The mentor's guide reopens from the queue and the scoring screen."""

from __future__ import annotations

import html as markup
import re

import pytest

from tests.unit.test_assessment_pages import (  # noqa: F401
    course,
    levels_form,
    sheet_path,
)

SECTIONS = (
    "Scoring guide: Tell me what happened",
    "Feedback language",
    "Do not download recordings to personal devices",
    "safeguarding concern",
    "Open the calibration set",
)


@pytest.fixture
def people(course):  # noqa: F811
    return course


def _guide_link(page: str) -> str:
    found = re.search(r'<a href="([^"]+)" data-guide-link>Scoring guide</a>', page)
    assert found, "no Scoring guide link"
    return markup.unescape(found.group(1))


def test_the_guide_reopens_from_the_queue_after_the_first_decision(people):
    mentor = people["mentor"]
    mentor.post(sheet_path(people, "mentor"), levels_form({"range": "2"}, "draft"))
    queue = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    assert "data-onboarding" not in queue  # the first-visit guide has closed
    response = mentor.client.get(_guide_link(queue))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "data-guide" in page
    for text in SECTIONS:
        assert text in page


def test_the_scoring_screen_links_to_the_guide_for_its_credential(people):
    mentor = people["mentor"]
    sheet = mentor.get(sheet_path(people, "mentor")).get_data(as_text=True)
    link = _guide_link(sheet)
    assert f"submission={people['submission']}" in link
    page = mentor.client.get(link).get_data(as_text=True)
    for text in SECTIONS:
        assert text in page


def test_learners_and_other_courses_cannot_open_the_guide(people):
    learner = people["learner"]
    denied = learner.get(f"/assess/{learner.id}/guide")
    assert denied.status_code == 403
    assert "Feedback language" not in denied.get_data(as_text=True)
    outsider = people["outsider"]
    other = outsider.get(
        f"/assess/{outsider.id}/guide", submission=str(people["submission"])
    )
    assert other.status_code == 403
    assert 'data-refusal="other_course"' in other.get_data(as_text=True)
