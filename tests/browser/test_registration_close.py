"""The end of Dynamic Registration in a real browser: the platform's page
frames (or opens) Pathmark's registration URL and must receive
``{subject: "org.imsglobal.lti.close"}``."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.wrappers import Response

from lti_tool import create_app
from lti_tool.db import upgrade_schema
from tests.local_server import serving
from tests.registration_platform import RegistrationPlatform

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

HOST_PAGE = """<!doctype html><title>LMS</title><body>
<script>
window.received = [];
window.addEventListener("message", function (e) { window.received.push(e.data); });
var url = %s;
if (%s) { window.open(url, "registration"); }
else {
  var frame = document.createElement("iframe");
  frame.src = url;
  document.body.appendChild(frame);
}
</script></body>"""


class LmsWithHostPage(RegistrationPlatform):
    """The registration platform plus the admin page that opens Pathmark."""

    def __init__(self, popup: bool):
        super().__init__("moodle")
        self.popup = popup
        self.register_url = ""

    def route(self, request):
        if request.path == "/admin/tools":
            page = HOST_PAGE % (json.dumps(self.register_url), json.dumps(self.popup))
            return Response(page, mimetype="text/html")
        return super().route(request)


@pytest.fixture
def tool_app(settings):
    app = create_app({**settings, "registration_allowed_networks": "127.0.0.0/8"})
    with app.app_context():
        upgrade_schema()
    return app


@pytest.mark.parametrize("popup", [False, True], ids=["iframe", "popup"])
def test_platform_receives_close_message(tool_app, popup):
    lms = LmsWithHostPage(popup)
    with serving(lms) as lms_url, serving(tool_app) as tool_url:
        lms.base_url = lms_url
        params = urlencode(
            {
                "openid_configuration": f"{lms_url}/openid-configuration",
                "registration_token": lms.token,
            }
        )
        # localhost vs 127.0.0.1: the LMS page and Pathmark are other sites.
        lms.register_url = f"{tool_url}/lti/register?{params}"
        host = lms_url.replace("127.0.0.1", "localhost")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page()
                page.goto(f"{host}/admin/tools")
                page.wait_for_function("window.received.length > 0", timeout=15000)
                received = page.evaluate("window.received")
            finally:
                browser.close()
    assert received == [{"subject": "org.imsglobal.lti.close"}]
    assert len(lms.registrations) == 1
