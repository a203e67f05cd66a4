"""The gentle feedback check follows the mentor's typing in the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.unit.test_assessment_pages import course, sheet_path  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_check_beside_a_note_follows_typing_and_bank_inserts(
    course,  # noqa: F811
    live_server,
    page,
):
    mentor = course["mentor"]
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(f"{live_server}{sheet_path(course, 'mentor')}?lt={mentor.token}")
    region = page.locator('[data-sheet] [data-check-for="range"]')
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_text("")

    # Picking a level with the note still blank: only the standard text.
    page.locator('input[name="level-range"][value="3"]').check()
    expect(region).to_contain_text("no feedback of your own yet")

    note = page.locator('textarea[name="note-range"]')
    note.fill("Well done!")
    expect(region).to_contain_text("names no next step")
    expect(region).to_contain_text("cites nothing of the level descriptor")

    # Text inserted from the bank is the mentor's chosen feedback.
    note.fill("")
    entries = page.locator('[data-bank-for="range"] ul:not([hidden]) li')
    entries.filter(has_text="Range at step 3.").first.locator("[data-insert]").click()
    expect(region).to_have_text("")

    # Advice only: a weak note still saves.
    note.fill("Well done!")
    page.locator("[data-save-draft]").click()
    page.wait_for_url("**#saved")
    expect(region).to_contain_text("names no next step")
