"""Who may frame a launch's pages: origins from the registration and claims.

The claims come from the platform's signed id_token, yet may be malformed;
a malformed one names no origin and never breaks the page or widens the
policy.
"""

from __future__ import annotations

import pytest

from lti_tool.vocab import Claim

OWN = "frame-ancestors 'self' https://lms.example.edu"


def framed_policy(client, platform, **claims) -> str:
    response, _, _ = platform.launch(client, **claims)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "claims",
    [
        {Claim.LAUNCH_PRESENTATION: "a string"},
        {Claim.TOOL_PLATFORM: ["not", "an", "object"]},
        {Claim.LAUNCH_PRESENTATION: {"return_url": "https://[lms.example.edu"}},
        {Claim.LAUNCH_PRESENTATION: {"return_url": "https://lms.example.edu:x/"}},
        {Claim.TOOL_PLATFORM: {"url": "https://*"}},
        {Claim.TOOL_PLATFORM: {"url": "https://*.example.edu/"}},
        {Claim.LAUNCH_PRESENTATION: {"return_url": "https://a.example; script-src *"}},
        {Claim.LAUNCH_PRESENTATION: {"return_url": "https://a.example,b.example/"}},
    ],
)
def test_a_malformed_platform_address_adds_no_origin(client, platform, claims):
    assert framed_policy(client, platform, **claims) == OWN


def test_a_platform_address_on_another_origin_may_frame(client, platform):
    policy = framed_policy(
        client,
        platform,
        **{Claim.LAUNCH_PRESENTATION: {"return_url": "https://School.example:8443/c"}},
    )
    assert policy == OWN + " https://school.example:8443"
