"""The state cookie's attributes, and the signed session token after a launch."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.launch_session import LaunchTokens
from lti_tool.refusals import LaunchRefused, Reason
from tests.platform_fake import CLIENT_ID, ISSUER, FakePlatform


@pytest.fixture
def app_at(settings):
    """An app, with one platform registered, on a given public origin."""
    apps = []

    def build(base_url: str):
        app = create_app({**settings, "base_url": base_url})
        with app.app_context():
            upgrade_schema()
            app.extensions["pathmark"].keyring.ensure()
        FakePlatform(app).register()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _state_cookie_header(app, base_url: str) -> str:
    response = app.test_client().get(
        "/lti/login",
        base_url=base_url,
        query_string={
            "iss": ISSUER,
            "login_hint": "user-1",
            "client_id": CLIENT_ID,
            "target_link_uri": f"{base_url}/lti/launch",
        },
    )
    assert response.status_code == 302
    (header,) = response.headers.getlist("Set-Cookie")
    return header


def test_state_cookie_over_https_is_cross_site_and_partitioned(app_at):
    base = "https://tool.example"
    header = _state_cookie_header(app_at(base), base)
    attributes = {part.strip().split("=")[0] for part in header.split(";")}
    assert {"Secure", "HttpOnly", "Partitioned"} <= attributes
    assert "SameSite=None" in header
    assert "Path=/lti/launch" in header


def test_state_cookie_over_plain_http_is_lax_and_not_secure(app_at):
    base = "http://tool.internal"
    header = _state_cookie_header(app_at(base), base)
    assert "SameSite=Lax" in header
    assert "Secure" not in header
    assert "Partitioned" not in header


def test_localhost_gets_secure_cross_site_cookies(app_at):
    base = "http://localhost:5000"
    header = _state_cookie_header(app_at(base), base)
    assert "SameSite=None" in header and "Secure" in header


# The session token after the launch.


def _launch_page(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def test_launch_redirects_with_a_token_bound_to_it(client, platform, app):
    url = _launch_page(client, platform.launch(client)[0])
    launch_id = url.split("/activity/")[1].split("?")[0]
    token = url.split("lt=")[1]
    with app.app_context():
        assert app.extensions["pathmark"].tokens.launch_id(token) == launch_id
    # No cookie is needed: a fresh client with the link alone opens the page.
    assert app.test_client().get(url).status_code == 200


def test_pages_refuse_a_missing_or_tampered_token(client, platform, app):
    url = _launch_page(client, platform.launch(client)[0])
    bare = url.split("?")[0]
    fresh = app.test_client()
    assert fresh.get(bare).status_code == 401
    head, signature = url.rsplit(".", 1)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    response = fresh.get(f"{head}.{flipped}")
    assert response.status_code == 401
    assert "session_expired" in response.get_data(as_text=True)


def test_a_token_never_opens_another_launch(client, platform, app):
    first = _launch_page(client, platform.launch(client)[0])
    second = _launch_page(client, platform.launch(client)[0])
    first_token = first.split("lt=")[1]
    second_page = second.split("?")[0]
    response = app.test_client().get(f"{second_page}?lt={first_token}")
    assert response.status_code == 403
    assert "not_allowed" in response.get_data(as_text=True)


def test_tokens_signed_with_another_secret_are_refused(client, platform, app):
    url = _launch_page(client, platform.launch(client)[0])
    token = url.split("lt=")[1]
    other = LaunchTokens(
        "another-secret-of-enough-length", max_age=7200, max_session=timedelta(hours=12)
    )
    with pytest.raises(LaunchRefused) as refused:
        other.launch_id(token)
    assert refused.value.reason is Reason.SESSION_EXPIRED


def test_tokens_expire(client, platform, app, monkeypatch):
    tokens = app.extensions["pathmark"].tokens
    real = TimestampSigner.get_timestamp
    issued_at = int(time.time()) - tokens.max_age - 5
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_at)
    url = _launch_page(client, platform.launch(client)[0])
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = app.test_client().get(url)
    assert response.status_code == 401
    assert "session_expired" in response.get_data(as_text=True)
    with pytest.raises(LaunchRefused, match="expired"):
        tokens.launch_id(url.split("lt=")[1])
