"""A mentor inserts comment bank entries by keyboard and by click."""

from __future__ import annotations

import pytest

from lti_tool.db import db
from lti_tool.models import Assessment
from tests.unit.test_assessment_pages import course, sheet_path  # noqa: F401

pytestmark = pytest.mark.browser


def test_insert_from_the_bank_by_key_and_click(
    course,  # noqa: F811
    app,
    live_server,
    page,
):
    mentor = course["mentor"]
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(f"{live_server}{sheet_path(course, 'mentor')}?lt={mentor.token}")

    # Keyboard: focus a criterion row, pick level 2, jump to its comments
    # with B and insert the first with Enter.
    page.locator('tr.criterion[data-criterion="coherence"]').focus()
    page.keyboard.press("2")
    box = page.locator('[data-bank-for="coherence"]')
    visible = box.locator("ul:not([hidden])")
    assert visible.get_attribute("data-bank-level") == "2"
    page.keyboard.press("b")
    first = visible.locator("[data-insert]").first
    assert first.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    expected = first.get_attribute("data-text")
    note = page.locator('textarea[name="note-coherence"]')
    assert note.input_value() == expected

    # Mouse: pick a level of another criterion and click its last comment;
    # a second insert adds below what is there.
    page.locator('input[name="level-range"][value="3"]').check()
    entries = page.locator('[data-bank-for="range"] ul:not([hidden]) [data-insert]')
    entries.last.click()
    entries.first.click()
    texts = [entries.last.get_attribute("data-text")]
    texts.append(entries.first.get_attribute("data-text"))
    assert page.locator('textarea[name="note-range"]').input_value() == "\n\n".join(
        texts
    )

    page.locator("[data-save-draft]").click()
    page.wait_for_url("**#saved")
    with app.app_context():
        row = db.session.scalars(db.select(Assessment)).one()
        assert row.notes["coherence"] == expected
        assert row.levels == {"coherence": 2, "range": 3}
