"""Ids and page numbers typed into staff forms: refused or ignored, never a 500.

``str.isdigit`` admits digits such as "²" that ``int`` cannot read, and a
number may be larger than the database stores; both once broke the page.
"""

from __future__ import annotations

import pytest

from tests.unit.test_assessment_pages import course  # noqa: F401

SUPERSCRIPT = "²"
TOO_BIG = "9" * 25


@pytest.mark.parametrize(
    "item",
    [f"{SUPERSCRIPT}:1", f"1:{SUPERSCRIPT}", f"{TOO_BIG}:1", f"1:{TOO_BIG}"],
)
def test_batch_release_refuses_an_unreadable_item(course, item):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.post(f"/assess/{teacher.id}/release", {"item": [item]})
    assert page.status_code == 200
    assert 'data-released="0"' in page.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
def test_calibration_refuses_an_unreadable_submission(course, value):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.post(
        f"/assess/{teacher.id}/calibration/items", {"submission": value}
    )
    assert page.status_code == 404
    assert "There is no such submission." in page.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUPERSCRIPT, TOO_BIG])
def test_guide_ignores_an_unreadable_submission(course, value):  # noqa: F811
    teacher = course["teacher"]
    page = teacher.get(f"/assess/{teacher.id}/guide", submission=value)
    assert page.status_code == 200


@pytest.mark.parametrize("value", [SUPERSCRIPT, "0", "-1", TOO_BIG])
def test_queue_shows_the_first_page_for_an_unreadable_number(
    course,  # noqa: F811
    value,
):
    teacher = course["teacher"]
    page = teacher.get(f"/assess/{teacher.id}/queue", **{"page-to_assess": value})
    assert page.status_code == 200
