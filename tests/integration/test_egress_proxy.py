"""Behind an egress proxy: calls to platforms go through the proxy the
environment names (HTTP_PROXY, NO_PROXY), and the address guard still
checks the target host."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests

from lti_tool.public_address import (
    AddressPolicy,
    PlatformAddressRefused,
    environment_proxy,
    platform_session,
)
from tests.integration.test_dynamic_registration import make_app, registrations
from tests.local_server import serving
from tests.proxy_server import forward_proxy, proxy_url
from tests.registration_platform import RegistrationPlatform

pytestmark = pytest.mark.http

CONFIG = "/mod/lti/openid-configuration.php"
# A name only the proxy can resolve, as behind a proxy with its own DNS.
HIDDEN = "platform.invalid"


def open_register(tool_url: str, config_url: str) -> requests.Response:
    """The admin's browser, which reaches Pathmark without the proxy."""
    query = urlencode(
        {"openid_configuration": config_url, "registration_token": "reg-token-123"}
    )
    with requests.Session() as browser:
        browser.trust_env = False
        return browser.get(f"{tool_url}/lti/register?{query}", timeout=20)


@pytest.fixture
def no_proxy_env(monkeypatch):
    """The environment, with no proxy set (conftest clears the shell's)."""
    return monkeypatch


def test_registration_goes_through_the_proxy(settings, no_proxy_env):
    # Production defaults: no allow-list. The platform's name resolves only
    # at the proxy, which is the operator's choice of route.
    app = make_app(settings, registration_allowed_networks="")
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        port = lms.rsplit(":", 1)[1]
        platform.base_url = f"http://{HIDDEN}:{port}"
        with forward_proxy({HIDDEN: "127.0.0.1"}) as proxy:
            no_proxy_env.setenv("HTTP_PROXY", proxy_url(proxy))
            response = open_register(tool, platform.base_url + CONFIG)

    assert response.status_code == 200, response.text
    assert [method for method, _ in proxy.seen] == ["GET", "POST"]
    assert proxy.seen[0][1] == platform.base_url + CONFIG
    [reg] = registrations(app)
    assert reg.issuer == platform.base_url


def test_no_proxy_hosts_are_called_directly(settings, no_proxy_env):
    app = make_app(settings, registration_allowed_networks="127.0.0.0/8")
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        with forward_proxy() as proxy:
            no_proxy_env.setenv("HTTP_PROXY", proxy_url(proxy))
            no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
            response = open_register(tool, lms + CONFIG)
    assert response.status_code == 200, response.text
    assert proxy.seen == []


def test_the_guard_checks_the_target_even_through_a_proxy(settings, no_proxy_env):
    app = make_app(settings, registration_allowed_networks="")
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        with forward_proxy() as proxy:
            no_proxy_env.setenv("HTTP_PROXY", proxy_url(proxy))
            response = open_register(tool, lms + CONFIG)
    assert response.status_code == 403
    assert "registration_address" in response.text
    assert "a loopback address" in response.text
    assert proxy.seen == []
    assert platform.config_requests == 0


def test_platform_calls_use_the_proxy(no_proxy_env):
    """Key sets, tokens, grades and rosters share this session."""
    platform = RegistrationPlatform("moodle")
    session = platform_session(AddressPolicy(), "Pathmark-test")
    with serving(platform) as lms:
        url = f"http://{HIDDEN}:{lms.rsplit(':', 1)[1]}/mod/lti/certs.php"
        # Without a proxy the name does not resolve here: refused.
        with pytest.raises(PlatformAddressRefused, match="cannot be resolved"):
            session.get(url, timeout=5)
        with forward_proxy({HIDDEN: "127.0.0.1"}) as proxy:
            no_proxy_env.setenv("HTTP_PROXY", proxy_url(proxy))
            answer = session.get(url, timeout=5)
    assert answer.status_code == 404  # the platform's own answer
    assert proxy.seen == [("GET", url)]


def test_which_proxy_applies(no_proxy_env):
    no_proxy_env.setenv("HTTPS_PROXY", "http://egress.example:3128")
    no_proxy_env.setenv("NO_PROXY", ".internal.example")
    assert environment_proxy("https://lms.example.edu/x") == (
        "http://egress.example:3128"
    )
    assert environment_proxy("http://lms.example.edu/x") is None
    assert environment_proxy("https://moodle.internal.example/x") is None
