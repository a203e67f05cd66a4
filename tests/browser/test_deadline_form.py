"""Staff set a due date in chromium with the keyboard alone, at 320 px."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lti_tool.db import db
from lti_tool.models import ActivityDeadline
from lti_tool.vocab import ContextRole
from tests.evidence_helpers import launch, place_credential
from tests.local_server import serving

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_due_date_by_keyboard_with_errors_next_to_the_field(app, platform):
    place_credential(app)
    staff = launch(app, platform, sub="teacher-1", role=ContextRole.INSTRUCTOR.value)
    with serving(app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 320, "height": 900})
        page.goto(f"{base}/activity/{staff.launch_id}?lt={staff.token}")

        when = page.get_by_label("Due date and time")
        when.fill("2026-03-01T17:00")
        when.focus()
        # Tab leaves the date and time (its parts first) for the time zone.
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "time-zone":
                break
        assert page.evaluate("document.activeElement.id") == "time-zone"
        page.keyboard.press("Control+A")
        page.keyboard.type("Mars/Olympus")
        page.keyboard.press("Enter")
        error = page.locator("#time-zone-error")
        error.wait_for()
        assert "not a time zone Pathmark knows" in error.inner_text()
        assert page.get_by_label("Due date and time").input_value() == (
            "2026-03-01T17:00"
        )

        zone = page.get_by_label("Time zone")
        zone.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("Europe/Paris")
        page.keyboard.press("Enter")
        page.get_by_role("status").wait_for()
        assert "Due date saved." in page.get_by_role("status").inner_text()
        assert "01 Mar 2026, 16:00 UTC" in page.locator("#deadline").inner_text()
        assert page.locator("html").evaluate("e => e.scrollWidth") <= 320
        browser.close()

    with app.app_context():
        deadline = db.session.scalar(select(ActivityDeadline))
        assert deadline.due_at == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
