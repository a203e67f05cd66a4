"""A password admin's session ends a fixed time after signing in."""

from __future__ import annotations

import time

from lti_tool import admin_access
from lti_tool.admin import SESSION_SINCE
from tests.unit.test_admin import admin_account, sign_in  # noqa: F401


def _later(monkeypatch, seconds: float) -> None:
    now = time.time() + seconds
    monkeypatch.setattr(admin_access.time, "time", lambda: now)


def test_the_default_age_is_twelve_hours(app):
    assert app.config["ADMIN_PASSWORD_SESSION_MAX_AGE"] == 12 * 3600


def test_session_ends_after_its_max_age_however_active(
    app,
    client,
    monkeypatch,
    admin_account,  # noqa: F811
):
    app.config["ADMIN_PASSWORD_SESSION_MAX_AGE"] = 600
    sign_in(client)
    _later(monkeypatch, 590)
    assert client.get("/admin/").status_code == 200
    _later(monkeypatch, 610)
    ended = client.get("/admin/")
    assert ended.status_code == 302
    assert "/admin/login" in ended.headers["Location"]
    # The stale values are cleared, not kept for later.
    with client.session_transaction() as cookie:
        assert SESSION_SINCE not in cookie


def test_session_without_a_start_time_is_refused(
    app,
    client,
    admin_account,  # noqa: F811
):
    sign_in(client)
    with client.session_transaction() as cookie:
        del cookie[SESSION_SINCE]
    assert client.get("/admin/").status_code == 302


def test_session_admin_checks_the_age(app, admin_account):  # noqa: F811
    with app.app_context():
        account = admin_access.find("alice")
        ids = (account.id, account.session_version)
        start = 1_000_000
        assert admin_access.session_admin(*ids, start, 100, now=start + 100)
        assert admin_access.session_admin(*ids, start, 100, now=start + 101) is None
        # A start time in the future is not trusted either.
        assert admin_access.session_admin(*ids, start, 100, now=start - 5) is None
        assert admin_access.session_admin(*ids, "1", 100, now=start) is None
