"""A mentor scores in a cross-site LMS iframe; a second staff member
verifies and releases; the learner then reads the feedback. Pages carry
the launch token, so no cookie is needed anywhere.

The same flow through the sandbox LMS, from Deep Linking to its gradebook,
is test_moderation_in_sandbox.py; this one opens the pages straight from
launch tokens on a bare course page, so it can check that the scoring
pages set no cookie at all and what the database holds afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.wrappers import Response

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.models import Assessment
from lti_tool.services import services
from lti_tool.vocab import Claim
from tests.assessment_factory import world
from tests.browser.test_registration_close import CHROMIUM_ARGS
from tests.local_server import serving
from tests.platform_fake import FakePlatform

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html><title>Course</title>
<iframe src="%s" style="width:1024px;height:1400px;border:0"></iframe>"""


class CoursePage:
    """The LMS course page: frames whatever URL it is asked to."""

    def __init__(self):
        self.frame_url = ""

    def __call__(self, environ, start_response):
        page = HOST_PAGE % self.frame_url
        return Response(page, mimetype="text/html")(environ, start_response)


@pytest.fixture
def tool_app(settings):
    app = create_app(settings)
    with app.app_context():
        upgrade_schema()
        services().keyring.ensure()
    FakePlatform(app).register()
    return app


def test_mentor_scores_and_second_staff_verifies_and_releases(tool_app, chromium_path):
    lms = CoursePage()
    with serving(lms) as lms_url, serving(tool_app) as tool_url:
        # localhost vs 127.0.0.1: the course page and Pathmark are other sites.
        lms_origin = lms_url.replace("127.0.0.1", "localhost")
        with tool_app.app_context():
            w = world()
            course = w.course()
            link = w.link(course)
            learner = w.person(course, "Lena", "learner")
            mentor = w.person(course, "Mia", "mentor")
            teacher = w.person(course, "Tom", "instructor")
            submission = w.submission(link, learner)
            # The LMS origin the launch names may frame Pathmark's pages.
            framed_by = {
                Claim.LAUNCH_PRESENTATION: {"return_url": f"{lms_origin}/course"}
            }
            urls = {}
            for name, who in (("mentor", mentor), ("teacher", teacher)):
                launch_id = w.launch(link, who, "staff", framed_by)
                token = services().tokens.issue(launch_id)
                urls[name] = (
                    f"{tool_url}/assess/{launch_id}/submissions/{submission.id}"
                    f"?lt={token}"
                )
            learner_launch = w.launch(link, learner, "learner", framed_by)
            token = services().tokens.issue(learner_launch)
            urls["learner"] = f"{tool_url}/results/{learner_launch}?lt={token}"
            db.session.commit()

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium_path, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(viewport={"width": 1100, "height": 900})
                page = context.new_page()

                lms.frame_url = urls["mentor"]
                page.goto(f"{lms_origin}/course")
                frame = page.frame_locator("iframe")
                rows = frame.locator("tr.criterion")
                expect(rows).to_have_count(4)
                # Keyboard: focus the first row, pick 3, move down, repeat.
                rows.first.focus()
                for _ in range(4):
                    page.keyboard.press("3")
                    page.keyboard.press("j")
                expect(
                    frame.locator('[data-standard-for="coherence"]')
                ).to_contain_text("You showed coherence at step 3.")
                frame.locator('textarea[name="note-range"]').fill("Varied verbs.")
                frame.get_by_role("button", name="Save draft").click()
                expect(frame.locator("[data-status]")).to_have_attribute(
                    "data-status", "draft"
                )
                frame.get_by_role("button", name="Submit scoring").click()
                expect(frame.locator("[data-status]")).to_have_attribute(
                    "data-status", "scored"
                )
                # The assessor is offered no verification: she is no moderator.
                expect(frame.locator("[data-moderation]")).to_have_count(0)

                lms.frame_url = urls["teacher"]
                page.goto(f"{lms_origin}/course")
                frame = page.frame_locator("iframe")
                frame.get_by_role("button", name="Verify as scored").click()
                expect(frame.locator("[data-status]")).to_have_attribute(
                    "data-status", "moderated"
                )
                frame.get_by_role("button", name="Release to the learner").click()
                expect(frame.locator("[data-status]")).to_have_attribute(
                    "data-status", "released"
                )
                expect(frame.locator("[data-audit]")).to_contain_text("verified")

                lms.frame_url = urls["learner"]
                page.goto(f"{lms_origin}/course")
                frame = page.frame_locator("iframe")
                expect(frame.locator("[data-view=results]")).to_contain_text(
                    "mastery reached"
                )
                expect(frame.locator("[data-view=results]")).to_contain_text(
                    "Varied verbs."
                )
                assert context.cookies() == []
            finally:
                browser.close()

    with tool_app.app_context():
        row = db.session.scalars(db.select(Assessment)).one()
        assert row.status == "released"
        assert row.assessor_id == mentor.person_id
        assert row.moderator_id == teacher.person_id
        assert row.notes == {"range": "Varied verbs."}
