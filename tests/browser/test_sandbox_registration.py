"""``make run``'s set-up path: the sandbox LMS registers Pathmark through
Dynamic Registration in a real browser; its next launch starts with the
new client_id and deployment, and Pathmark knows them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.models import Registration
from lti_tool.sandbox import create_sandbox
from tests.browser.test_registration_close import CHROMIUM_ARGS
from tests.local_server import serving

pytestmark = pytest.mark.browser


class Later:
    """A WSGI app whose real app is set once its server's port is known."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def test_sandbox_registers_pathmark_then_launches_it(settings, tmp_path):
    tool, lms = Later(), Later()
    with serving(tool) as tool_url, serving(lms) as lms_url:
        # Two sites, as in `lti-tool dev`: localhost and 127.0.0.1.
        tool_url = tool_url.replace("127.0.0.1", "localhost")
        tool.app = create_app(
            {
                **settings,
                "base_url": tool_url,
                "registration_allowed_networks": "127.0.0.0/8",
            }
        )
        with tool.app.app_context():
            upgrade_schema()
            tool.app.extensions["pathmark"].keyring.ensure()
        lms.app = create_sandbox(tool_url, sandbox_url=lms_url, key_dir=tmp_path)
        the_lms = lms.app.extensions["sandbox_lms"]
        link_id = next(iter(the_lms.links))

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page()
                page.goto(f"{lms_url}/register-tool")
                page.wait_for_selector("#registered", timeout=15000)
                shown = page.inner_text("#registered")
            finally:
                browser.close()

        start = requests.get(
            f"{lms_url}/launch/{link_id}", allow_redirects=False, timeout=10
        )
        login_url = start.headers["Location"]
        login = requests.get(login_url, timeout=10)

    assert the_lms.client_id.startswith("pathmark-dr-")
    assert the_lms.client_id in shown
    assert login_url.startswith(f"{tool_url}/lti/login?")
    query = parse_qs(urlsplit(login_url).query)
    assert query["client_id"] == [the_lms.client_id]
    assert query["lti_deployment_id"] == ["sandbox-dr-deployment-1"]
    assert login.status_code == 200, login.text  # not unknown_registration
    with tool.app.app_context():
        [reg] = db.session.scalars(select(Registration)).all()
        assert (reg.issuer, reg.client_id) == (lms_url, the_lms.client_id)
        assert [(d.deployment_id, d.status) for d in reg.deployments] == [
            ("sandbox-dr-deployment-1", "active")
        ]
        db.engine.dispose()
