"""Dynamic Registration end to end, over real HTTP on 127.0.0.1.

Pathmark and a strict platform each run as a real server; the test plays
the admin's browser, opening the URL the platform would open.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.models import Deployment, Registration
from tests.local_server import serving
from tests.registration_platform import TOOL_CONFIGURATION, RegistrationPlatform

pytestmark = pytest.mark.http

AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def make_app(settings, **extra):
    app = create_app({**settings, "base_url": "https://pathmark.example.org", **extra})
    with app.app_context():
        upgrade_schema()
    return app


@pytest.fixture
def allow_loopback(settings):
    return make_app(
        settings, registration_allowed_networks="127.0.0.0/8", http_timeout=2
    )


def open_register(tool_url: str, config_url: str, token: str | None = "reg-token-123"):
    params = {"openid_configuration": config_url}
    if token is not None:
        params["registration_token"] = token
    return requests.get(f"{tool_url}/lti/register?{urlencode(params)}", timeout=20)


def config_url(lms: str, platform: RegistrationPlatform) -> str:
    """Where each platform serves its configuration; Canvas puts the token
    in the configuration URL as well."""
    if platform.flavour == "canvas":
        query = urlencode({"registration_token": platform.token})
        return f"{lms}/api/lti/security/openid-configuration?{query}"
    return f"{lms}/mod/lti/openid-configuration.php"


def registrations(app) -> list[Registration]:
    with app.app_context():
        regs = list(db.session.scalars(select(Registration)))
        for reg in regs:
            list(reg.deployments)
        return regs


@pytest.mark.parametrize("flavour", ["moodle", "canvas"])
def test_full_registration(allow_loopback, flavour):
    platform = RegistrationPlatform(flavour)
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))

    assert response.status_code == 200, response.text
    assert "Pathmark is registered" in response.text
    assert "registration_close.js" in response.text
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]

    [body] = platform.registrations
    assert body["initiate_login_uri"] == "https://pathmark.example.org/lti/login"
    assert body["redirect_uris"] == ["https://pathmark.example.org/lti/launch"]
    assert body["jwks_uri"] == "https://pathmark.example.org/lti/jwks"
    assert AGS_SCORE in body["scope"].split() and NRPS in body["scope"].split()
    config = body[TOOL_CONFIGURATION]
    assert config["domain"] == "pathmark.example.org"
    assert config["target_link_uri"] == "https://pathmark.example.org/lti/launch"
    messages = {m["type"]: m for m in config["messages"]}
    assert set(messages) == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert messages["LtiDeepLinkingRequest"]["placements"] == [
        "assignment_selection",
        "link_selection",
    ]
    custom = config["custom_parameters"]
    if flavour == "canvas":
        assert "canvas_user_id" not in custom
        assert custom["due_at"] == "$Canvas.assignment.dueAt.iso8601"
        assert custom["resource_link_id_history"] == "$ResourceLink.id.history"
        assert config["https://canvas.instructure.com/lti/privacy_level"] == "public"
    else:
        # Only what Moodle lists among its substitution variables.
        assert custom == {"context_id_history": "$Context.id.history"}
        assert "https://canvas.instructure.com/lti/privacy_level" not in config

    [reg] = registrations(allow_loopback)
    assert (reg.issuer, reg.client_id) == (lms, "tool-client-42")
    assert reg.key_set_url.startswith(lms)
    deployments = [(d.deployment_id, d.status) for d in reg.deployments]
    if flavour == "canvas":
        # Canvas makes a deployment per install, after registration.
        assert deployments == []
        assert "lti-tool platform add" in response.text
    else:
        assert deployments == [("7", Deployment.ACTIVE)]


@pytest.mark.parametrize("flavour", ["moodle", "canvas"])
def test_configuration_request_carries_the_registration_token(allow_loopback, flavour):
    platform = RegistrationPlatform(flavour)
    platform.configuration_needs_bearer = True
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
        assert response.status_code == 200, response.text
        assert len(platform.registrations) == 1

        # Without the token the strict platform refuses the configuration.
        refused = open_register(tool, config_url(lms, platform), token=None)
    assert refused.status_code == 502
    assert "configuration" in refused.text
    assert platform.config_requests == 2


def test_registration_waits_for_approval_under_pending_policy(settings):
    app = make_app(
        settings,
        registration_allowed_networks="127.0.0.1/32",
        unknown_deployment="pending",
    )
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 200
    assert "waits for a Pathmark" in response.text
    [reg] = registrations(app)
    assert reg.deployments[0].status == Deployment.PENDING


@pytest.mark.parametrize(
    ("flavour", "shown"),
    [
        ("moodle", "token_already_used"),
        ("canvas", "JWT did not include expected contents"),
    ],
)
def test_bad_token_shows_platform_words(allow_loopback, flavour, shown):
    platform = RegistrationPlatform(flavour)
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform), token="stale")
    assert response.status_code == 502
    assert "The platform refused the registration (HTTP 401)" in response.text
    assert shown in response.text
    assert platform.registrations == []
    assert registrations(allow_loopback) == []


def test_missing_token_is_refused_by_platform(allow_loopback):
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform), token=None)
    assert response.status_code == 502
    assert "missing_registration_token" in response.text
    assert registrations(allow_loopback) == []


@pytest.mark.parametrize(
    ("flavour", "status", "shown"),
    [
        ("moodle", "HTTP 400", "missing required attribute tos_uri"),
        ("canvas", "HTTP 422", "registration: missing required attribute tos_uri"),
    ],
)
def test_platform_validation_error_in_its_own_shape(
    allow_loopback, flavour, status, shown
):
    platform = RegistrationPlatform(flavour)
    platform.refuse_with = "missing required attribute tos_uri"
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 502
    assert f"The platform refused the registration ({status})" in response.text
    assert shown in response.text
    assert registrations(allow_loopback) == []


def test_issuer_mismatch(allow_loopback):
    platform = RegistrationPlatform("moodle")
    platform.issuer = "https://moodle.other-school.example"
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 400
    assert "issuer does not match the host" in response.text
    assert "moodle.other-school.example" in response.text
    assert platform.registrations == []


def test_missing_required_fields(allow_loopback):
    platform = RegistrationPlatform("moodle")
    platform.omit = {"jwks_uri", "registration_endpoint"}
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 502
    assert "lacks required fields" in response.text
    assert "jwks_uri, registration_endpoint" in response.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html-configuration", "is not a JSON object"),
        ("/big-configuration", "more than the 262144 Pathmark reads"),
        ("/big-stream-configuration", "more than the 262144 bytes"),
        ("/nowhere", "answered 404"),
    ],
)
def test_unusable_configuration(allow_loopback, path, message):
    platform = RegistrationPlatform("canvas")
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, lms + path)
    assert response.status_code == 502
    assert message in response.text


def test_slow_configuration_hits_the_deadline(settings):
    app = make_app(
        settings, registration_allowed_networks="127.0.0.0/8", http_timeout=1
    )
    platform = RegistrationPlatform("moodle")
    platform.drip_seconds = 0.1  # 40 drips: 4 s, each far below the timeout
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        response = open_register(tool, f"{lms}/slow-configuration")
    assert response.status_code == 502
    assert "took longer than 1 seconds" in response.text


def test_http_timeout_bounds_the_whole_exchange(settings):
    """Configuration and registration each answer within the timeout; both
    together do not, and Pathmark stops instead of waiting twice as long."""
    app = make_app(
        settings, registration_allowed_networks="127.0.0.0/8", http_timeout=1
    )
    platform = RegistrationPlatform("moodle")
    platform.pause_seconds = 0.6
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        started = time.monotonic()
        response = open_register(tool, config_url(lms, platform))
        took = time.monotonic() - started
    assert response.status_code == 502
    assert "took longer than 1 seconds" in response.text
    assert took < 1.9
    assert registrations(app) == []


def test_a_platform_within_the_deadline_registers(settings):
    app = make_app(
        settings, registration_allowed_networks="127.0.0.0/8", http_timeout=2
    )
    platform = RegistrationPlatform("moodle")
    platform.pause_seconds = 0.6
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 200, response.text
    assert len(registrations(app)) == 1


def test_loopback_refused_without_allow_list(settings):
    app = make_app(settings, registration_allowed_networks="")
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        port = lms.rsplit(":", 1)[1]
        for url in (
            f"{lms}/openid-configuration",
            f"http://localhost:{port}/openid-configuration",
        ):
            response = open_register(tool, url)
            assert response.status_code == 403
            assert "only public internet addresses" in response.text
            assert "loopback" in response.text
    assert platform.config_requests == 0


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local or cloud metadata"),
        ("http://10.1.2.3/openid-configuration", "private or reserved"),
        ("http://192.168.0.10/openid-configuration", "private or reserved"),
        ("http://[::ffff:169.254.169.254]/x", "link-local or cloud metadata"),
    ],
)
def test_internal_addresses_refused_even_with_loopback_allowed(
    allow_loopback, url, why
):
    with serving(allow_loopback) as tool:
        response = open_register(tool, url)
    assert response.status_code == 403
    assert why in response.text


def test_registration_endpoint_is_guarded_too(allow_loopback):
    platform = RegistrationPlatform("moodle")
    platform.registration_endpoint = "http://10.0.0.5/register"
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 403
    assert "registration endpoint" in response.text


@pytest.mark.parametrize("config_url", ["", "file:///etc/passwd", "ftp://lms/x"])
def test_request_without_usable_configuration_url(allow_loopback, config_url):
    with serving(allow_loopback) as tool:
        response = open_register(tool, config_url)
    assert response.status_code == 400
    assert "openid_configuration" in response.text


def test_existing_registration_is_never_overwritten(allow_loopback):
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(allow_loopback) as tool:
        platform.base_url = lms
        first = open_register(tool, config_url(lms, platform))
        second = open_register(tool, config_url(lms, platform))
    assert first.status_code == 200
    assert second.status_code == 409
    assert "already has a registration" in second.text
    assert len(registrations(allow_loopback)) == 1


def test_registration_can_be_turned_off(settings):
    app = make_app(
        settings,
        registration_allowed_networks="127.0.0.0/8",
        dynamic_registration=False,
    )
    platform = RegistrationPlatform("moodle")
    with serving(platform) as lms, serving(app) as tool:
        platform.base_url = lms
        response = open_register(tool, config_url(lms, platform))
    assert response.status_code == 403
    assert "Dynamic Registration is turned off" in response.text
    assert platform.config_requests == 0
    assert registrations(app) == []
