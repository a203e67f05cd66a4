"""The "open in a new window" retry when the browser withholds the cookie.

Where the platform sends its own address for the launch (custom
``relaunch_url``), the new window opens it, so the platform starts a fresh
login with new hints; otherwise the login is retried with the hints it
sent, which only platforms that accept a hint again allow.
"""

from __future__ import annotations

import html
import logging
import re

import pytest

from lti_tool.launch import relaunch_url
from lti_tool.vocab import Claim
from tests.platform_fake import ISSUER

RETURN_URL = "https://school.lms.example/course/7"


@pytest.fixture
def window_events(caplog):
    caplog.set_level(logging.INFO, logger="pathmark")

    def lines():
        return [
            r.getMessage()
            for r in caplog.records
            if r.getMessage().startswith("event=launch.needs_window")
        ]

    return lines


def claims(url, **extra):
    return {
        "iss": ISSUER,
        Claim.LAUNCH_PRESENTATION: {"return_url": RETURN_URL},
        Claim.CUSTOM: {"credential": "x", "relaunch_url": url},
        **extra,
    }


def retry_link(response) -> str:
    found = re.search(
        r'id="new-window" href="([^"]+)"', response.get_data(as_text=True)
    )
    assert found is not None
    return html.unescape(found.group(1))


def withheld_launch(client, platform, **overrides):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"], **overrides))
    client.delete_cookie(f"pathmark_state_{auth['state']}", path="/lti/launch")
    return client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})


@pytest.mark.parametrize(
    "url",
    [
        ISSUER + "/launch/link-1",
        "https://school.lms.example/courses/7/items/3?display=borderless",
    ],
)
def test_relaunch_on_a_platform_origin_is_taken(url):
    assert relaunch_url(claims(url)) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/launch/link-1",
        "javascript:alert(1)",
        "//school.lms.example/courses/7",
        "https://school.lms.example.evil.example/x",
        "https://[school.lms.example/x",
        42,
        None,
    ],
)
def test_relaunch_elsewhere_or_malformed_is_ignored(url):
    assert relaunch_url(claims(url)) is None


def test_relaunch_needs_a_platform_origin_named_in_the_launch():
    body = claims("https://school.lms.example/courses/7")
    del body[Claim.LAUNCH_PRESENTATION]
    assert relaunch_url(body) is None


def test_a_malformed_platform_address_names_no_origin():
    body = claims(RETURN_URL)
    body[Claim.LAUNCH_PRESENTATION] = {"return_url": "https://[school.lms.example"}
    assert relaunch_url(body) is None


def test_new_window_survives_a_malformed_relaunch_address(client, platform):
    response = withheld_launch(
        client,
        platform,
        **{Claim.CUSTOM: {"relaunch_url": "https://[lms.example.edu/x"}},
    )
    assert response.status_code == 200
    assert retry_link(response).startswith("/lti/login?")


def test_new_window_opens_the_platforms_launch_when_it_sends_one(
    client, platform, window_events
):
    relaunch = ISSUER + "/launch/link-1"
    response = withheld_launch(
        client,
        platform,
        **{
            Claim.CUSTOM: {"credential": "introduce-yourself", "relaunch_url": relaunch}
        },
    )
    assert response.status_code == 200
    link = retry_link(response)
    # A fresh login from the platform: none of this login's hints reused.
    assert link == relaunch
    assert "hint-1" not in response.get_data(as_text=True)
    (line,) = window_events()
    assert "retry=platform" in line and relaunch not in line


def test_new_window_retries_the_login_without_a_platform_address(
    client, platform, window_events
):
    response = withheld_launch(client, platform)
    assert response.status_code == 200
    link = retry_link(response)
    assert link.startswith("/lti/login?")
    assert "lti_message_hint=hint-1" in link
    assert "pathmark_new_window=1" in link
    (line,) = window_events()
    assert "retry=login" in line and "hint-1" not in line


def test_new_window_ignores_a_relaunch_address_off_the_platform(client, platform):
    response = withheld_launch(
        client,
        platform,
        **{Claim.CUSTOM: {"relaunch_url": "https://elsewhere.example/phish"}},
    )
    assert response.status_code == 200
    assert retry_link(response).startswith("/lti/login?")
    assert "elsewhere.example" not in response.get_data(as_text=True)
