"""An LMS site administrator opens Pathmark's admin pages from a launch,
over real HTTP: the sandbox LMS, Pathmark under gunicorn (two workers)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import itsdangerous.timed
import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.integration.lms_client import LmsUser

LINK = re.compile(r'href="(/admin/enter\?ticket=[^"]+)"[^>]*data-admin-link')


@pytest.fixture
def site_admin(stack) -> LmsUser:
    return LmsUser(stack.sandbox_url, "site-admin")


def admin_link(stack, page) -> str:
    found = LINK.search(page.text)
    assert found, page.text[:2000]
    return urljoin(stack.tool_url, found.group(1).replace("&amp;", "&"))


def new_window(stack) -> LmsUser:
    """A top-level window: no cookies from the LMS frame's launch."""
    return LmsUser(stack.sandbox_url, role=None)


def test_site_admin_opens_the_admin_pages_once(stack, site_admin, link_id):
    page = site_admin.launch(link_id)
    assert page.status_code == 200, page.text
    assert 'target="_blank"' in page.text
    entry = admin_link(stack, page)

    window = new_window(stack)
    admin_page = window.http.get(entry)
    assert admin_page.status_code == 200, admin_page.text
    assert admin_page.url == stack.tool_url + "/admin/"
    assert "Sam Admin (administrator of" in admin_page.text
    assert stack.sandbox_url in admin_page.text  # its own registration
    # The session cookie is first-party to Pathmark's origin.
    assert any(c.name == "session" for c in window.http.cookies)
    # The other worker knows the session too: it lives in the database.
    for _ in range(4):
        assert window.http.get(stack.tool_url + "/admin/").status_code == 200

    replay = new_window(stack).http.get(entry)
    assert replay.status_code == 410
    assert "already used" in replay.text

    log = stack.log_text()
    assert "event=admin.session_started" in log
    assert entry.split("ticket=", 1)[1] not in log


def test_teacher_and_learner_get_no_link(stack, teacher, learner, link_id):
    for person in (teacher, learner):
        page = person.launch(link_id)
        assert page.status_code == 200
        assert "/admin/enter" not in page.text
        assert "Open Pathmark administration" not in page.text


def test_forged_and_expired_tickets_are_refused(
    stack, site_admin, link_id, monkeypatch
):
    entry = admin_link(stack, site_admin.launch(link_id))
    ticket = entry.split("ticket=", 1)[1]
    base = stack.tool_url + "/admin/enter?ticket="

    forged = new_window(stack).http.get(base + ticket[:-2] + "xx")
    assert forged.status_code == 403

    # The same contents, signed with the right secret ten minutes ago.
    secret = (Path(stack.env["PATHMARK_INSTANCE_PATH"]) / "secret_key").read_text()
    signer = URLSafeTimedSerializer(secret.strip(), salt="pathmark-admin-ticket")
    contents = signer.loads(ticket)
    past = itsdangerous.timed.time.time() - 600

    class _Earlier:
        @staticmethod
        def time():
            return past

    monkeypatch.setattr(itsdangerous.timed, "time", _Earlier)
    old = signer.dumps({**contents, "t": contents["t"][::-1]})
    monkeypatch.undo()
    expired = new_window(stack).http.get(base + old)
    assert expired.status_code == 410
    assert "has expired" in expired.text

    # The genuine ticket still works after both refusals, once.
    assert new_window(stack).http.get(entry).status_code == 200
