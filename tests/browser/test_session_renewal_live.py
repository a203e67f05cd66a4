"""Typing on the scoring sheet keeps the session; its end shows in the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.unit.test_assessment_pages import course, sheet_path  # noqa: F401
from tests.unit.test_launch_session_renewal import clock_at, launch_made

pytestmark = pytest.mark.browser


def test_the_live_check_renews_the_sheet_and_says_when_the_session_ended(
    course,  # noqa: F811
    app,
    live_server,
    page,
    monkeypatch,
):
    mentor = course["mentor"]
    page.goto(f"{live_server}{sheet_path(course, 'mentor')}?lt={mentor.token}")
    token_field = page.locator('[data-sheet] input[name="lt"]')
    ended = page.locator("[data-session-ended]")
    expect(ended).to_be_hidden()
    drawn_with = token_field.input_value()

    # Ten minutes on, a check hands the form a newer token...
    clock_at(monkeypatch, 600)
    page.locator('input[name="level-range"][value="3"]').check()
    page.locator('textarea[name="note-range"]').fill("Well done!")
    expect(token_field).not_to_have_value(drawn_with)

    # ...which still saves after the launch's own token has lapsed.
    clock_at(monkeypatch, app.config["LAUNCH_TOKEN_MAX_AGE"] + 60)
    page.locator("[data-save-draft]").click()
    page.wait_for_url("**#saved")
    expect(page.locator('textarea[name="note-range"]')).to_have_value("Well done!")

    # Past the cap from the launch, the next check says the session ended.
    launch_made(app, mentor.id, timedelta(hours=13))
    page.locator('textarea[name="note-range"]').fill("Try new verbs next time.")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("open the activity again from your course")
