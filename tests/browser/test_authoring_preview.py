"""The rubric component in a cross-site LMS iframe, in real chromium: the
authoring preview follows typing with no cookies at all, and the learner,
preview and public verification pages stay usable at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from werkzeug.wrappers import Response

from lti_tool import catalogue_io
from lti_tool.db import db
from lti_tool.models import BadgeAward
from lti_tool.vocab import Claim
from tests import badge_helpers, launches
from tests.local_server import serving

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><title>Course</title>
<iframe src="%s" style="width:%dpx;height:900px;border:0"></iframe>"""


LEVEL_INPUTS = (
    "label",
    "descriptor",
    "points",
    "feedback-strength",
    "feedback-next_step",
    "feedback-practice",
)


class CoursePage:
    """The LMS course page: frames one URL at a given width."""

    def __init__(self, width: int):
        self.width, self.frame_url = width, ""

    def __call__(self, environ, start_response):
        page = HOST_PAGE % (self.frame_url, self.width)
        return Response(page, mimetype="text/html")(environ, start_response)


def framed_launch(platform, client, lms_url: str, kind: str) -> tuple[str, str]:
    """A launch whose platform page (``lms_url``) may frame Pathmark."""
    presentation = {Claim.LAUNCH_PRESENTATION: {"return_url": f"{lms_url}/course"}}
    return getattr(launches, kind)(platform, client, **presentation)


def test_preview_follows_typing_in_a_cookieless_iframe(
    app, platform, client, live_server, browser
):
    with app.app_context():
        catalogue_io.import_example()
    lms = CoursePage(1000)
    # The course page on 127.0.0.1, Pathmark on localhost: other sites.
    tool = live_server.replace("127.0.0.1", "localhost")
    with serving(lms) as lms_url:
        launch_id, token = framed_launch(platform, client, lms_url, "admin")
        lms.frame_url = (
            f"{tool}/catalogue/{launch_id}/credentials/pass-it-on/edit?lt={token}"
        )
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{lms_url}/course")
        frame = page.frame_locator("iframe")
        preview = frame.locator("[data-preview-panel]")
        expect(preview.locator("table.rubric")).to_have_count(1)
        expect(preview.locator("h3")).to_have_text("Pass it on")

        title = frame.locator("#f-title")
        title.press("End")
        title.press_sequentially(", live", delay=15)
        expect(preview.locator("h3")).to_have_text("Pass it on, live")
        descriptor = frame.locator("#f-rubric-criteria-0-levels-2-descriptor")
        descriptor.fill("Passes on every detail that matters")
        expect(preview.locator("table.rubric td").nth(2)).to_contain_text(
            "Passes on every detail that matters"
        )

        # A problem shows beside its field while the preview waits for it.
        title.fill("")
        expect(frame.locator("#f-title-error")).to_have_text("must not be empty")
        expect(title).to_have_attribute("aria-invalid", "true")
        expect(preview.locator("[data-preview-waiting]")).to_contain_text("title")
        title.fill("Back again")
        expect(frame.locator("#f-title-error")).to_have_count(0)
        expect(title).not_to_have_attribute("aria-invalid", "true")
        expect(preview.locator("h3")).to_have_text("Back again")
        # A problem with a group of inputs shows beside the group.
        group = frame.locator('[data-errors-for="rubric.criteria.1.levels"]')
        expect(group).to_be_hidden()
        for j in (2, 3):
            for name in LEVEL_INPUTS:
                frame.locator(f"#f-rubric-criteria-1-levels-{j}-{name}").fill("")
        expect(group).to_be_visible()
        expect(group).to_contain_text("needs at least 3")
        frame.locator("#f-rubric-criteria-1-levels-2-label").fill("Secure")
        frame.locator("#f-rubric-criteria-1-levels-2-descriptor").fill("Good.")
        frame.locator("#f-rubric-criteria-1-levels-2-points").fill("3")
        expect(group).to_be_hidden()
        expect(preview.locator("table.rubric")).to_have_count(1)
        # Nothing typed was lost to the round trips.
        expect(descriptor).to_have_value("Passes on every detail that matters")

        # Every request carried the launch token: the browser holds no cookie.
        assert context.cookies() == []
        frame.get_by_role("button", name="Save draft").click()
        expect(frame.locator(".notice-ok")).to_contain_text("Draft saved.")
        context.close()


def _mint(app) -> str:
    with app.app_context():
        learner = badge_helpers.person()
        badge_helpers.release(learner.id, badge_helpers.credential().id)
        db.session.commit()
        return db.session.scalars(db.select(BadgeAward.id)).one()


@pytest.mark.parametrize("where", ["learner", "preview", "verification"])
def test_rubric_at_320_px_inside_an_iframe(
    app, platform, client, live_server, browser, where
):
    with app.app_context():
        catalogue_io.import_example()
    lms = CoursePage(320)
    tool = live_server.replace("127.0.0.1", "localhost")
    with serving(lms) as lms_url:
        if where == "learner":
            launch_id, token = framed_launch(platform, client, lms_url, "learner")
            lms.frame_url = f"{tool}/activity/{launch_id}?lt={token}"
        elif where == "preview":
            launch_id, token = framed_launch(platform, client, lms_url, "admin")
            lms.frame_url = (
                f"{tool}/catalogue/{launch_id}/credentials/pass-it-on/edit?lt={token}"
            )
        else:
            lms.frame_url = f"{tool}/credentials/{_mint(app)}"
        context = browser.new_context(viewport={"width": 360, "height": 800})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{lms_url}/course")
        frame = page.frame_locator("iframe")
        region = frame.locator(".rubric-wrap").last
        table = region.locator("table.rubric")
        expect(table).to_have_count(1)
        # A real table: a caption, column headers and one row header a criterion.
        expect(table.locator("caption")).to_have_count(1)
        expect(table.locator("thead th[scope=col]")).to_have_count(5)
        expect(table.locator("tbody th[scope=row]")).to_have_count(4)

        inner = next(f for f in page.frames if f != page.main_frame)
        assert inner.evaluate("window.innerWidth") == 320
        # The page in the frame never scrolls sideways; the rubric does, and
        # it takes keyboard focus so it can be scrolled without a mouse.
        assert inner.evaluate("document.documentElement.scrollWidth") <= 320
        assert region.get_attribute("role") == "region"
        # The caption wraps inside the frame instead of running off its edge.
        caption_right = table.locator("caption").evaluate(
            "el => el.getBoundingClientRect().right"
        )
        assert caption_right <= 320
        assert region.evaluate("el => el.scrollWidth > el.clientWidth")
        region.focus()
        page.keyboard.press("ArrowRight")
        inner.wait_for_function(
            "el => el.scrollLeft > 0", arg=region.element_handle(), timeout=3000
        )
        if where == "verification":
            expect(table.locator("td.achieved")).to_have_count(4)
        context.close()
