"""The rubric a learner sees before submitting, at 320 px inside an iframe."""

from __future__ import annotations

import pytest

from lti_tool import catalogue_io
from tests import launches

pytestmark = pytest.mark.browser


def test_rubric_is_readable_at_320_px(app, platform, client, live_server, browser):
    with app.app_context():
        catalogue_io.import_example()
    launch_id, token = launches.learner(platform, client)
    # Cookies from the launch stay in the test client: the browser has none,
    # as when an LMS iframe blocks third-party cookies.
    page = browser.new_page(viewport={"width": 320, "height": 640})
    page.goto(f"{live_server}/activity/{launch_id}?lt={token}")

    table = page.locator("table.rubric")
    assert table.count() == 1
    assert page.locator("table.rubric th[scope=col]").count() == 5
    assert page.locator("table.rubric th[scope=row]").count() == 4
    caption = page.locator("table.rubric caption").inner_text()
    assert "How your work will be judged" in caption

    # The page itself never scrolls sideways; the rubric region does, and
    # it takes keyboard focus so it can be scrolled without a mouse.
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 320
    region = page.locator(".rubric-wrap")
    assert region.get_attribute("role") == "region"
    scrollable = region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert scrollable
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.querySelector('.rubric-wrap').scrollLeft > 0", timeout=2000
    )
    page.close()
