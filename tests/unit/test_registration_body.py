"""What Pathmark asks each platform for, and whose issuer it trusts."""

from __future__ import annotations

import pytest

from lti_tool import tool_configuration as tool
from lti_tool.dynamic_registration import (
    PathmarkRegistration,
    PlatformConfiguration,
    RegistrationFailed,
    issuer_trusted,
    parse_configuration,
)
from lti_tool.vocab import Scope

URLS = tool.ToolUrls("https://pathmark.example.org")


def platform(**changes) -> PlatformConfiguration:
    values = {
        "issuer": "https://moodle.school.example",
        "authorization_endpoint": "https://moodle.school.example/mod/lti/auth.php",
        "token_endpoint": "https://moodle.school.example/mod/lti/token.php",
        "jwks_uri": "https://moodle.school.example/mod/lti/certs.php",
        "registration_endpoint": "https://moodle.school.example/mod/lti/reg.php",
        "product_family_code": "moodle",
        "scopes_supported": None,
        "messages_supported": None,
    }
    values.update(changes)
    return PlatformConfiguration(**values)


def test_only_supported_scopes_and_messages_are_asked_for():
    body = PathmarkRegistration(
        URLS,
        platform(
            scopes_supported=(Scope.SCORE.value, "openid"),
            messages_supported=("LtiResourceLinkRequest",),
        ),
    ).lti_registration_data()
    assert body["scope"] == Scope.SCORE.value
    messages = body[tool.TOOL_CONFIGURATION]["messages"]
    assert [m["type"] for m in messages] == ["LtiResourceLinkRequest"]


def test_every_scope_when_the_platform_lists_none():
    body = PathmarkRegistration(URLS, platform()).lti_registration_data()
    assert body["scope"].split() == list(tool.SCOPES)
    assert body["logo_uri"] == "https://pathmark.example.org/static/pathmark-logo.svg"
    assert body["token_endpoint_auth_method"] == "private_key_jwt"


def test_issuer_must_share_the_configuration_host():
    config = "https://moodle.school.example/mod/lti/openid-configuration.php"
    assert issuer_trusted("https://moodle.school.example", config)
    assert issuer_trusted("https://MOODLE.school.example/", config)
    assert not issuer_trusted("https://moodle.other.example", config)
    assert not issuer_trusted("https://school.example", config)
    assert not issuer_trusted("not a url", config)


def test_hosted_canvas_serves_its_configuration_on_the_issuer_host():
    config = (
        "https://canvas.instructure.com/api/lti/security/openid-configuration"
        "?registration_token=abc"
    )
    assert issuer_trusted("https://canvas.instructure.com", config)
    assert not issuer_trusted(
        "https://canvas.instructure.com",
        config.replace("canvas.instructure.com", "school.instructure.com"),
    )


def test_moodle_message_strings_and_variables_are_read():
    body = {
        "issuer": "https://moodle.school.example",
        "authorization_endpoint": "https://moodle.school.example/mod/lti/auth.php",
        "token_endpoint": "https://moodle.school.example/mod/lti/token.php",
        "jwks_uri": "https://moodle.school.example/mod/lti/certs.php",
        "registration_endpoint": "https://moodle.school.example/mod/lti/reg.php",
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "moodle",
            "messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
            "variables": ["Context.id", "ResourceLink.id.history"],
        },
    }
    parsed = parse_configuration(
        body, "https://moodle.school.example/mod/lti/openid-configuration.php"
    )
    assert parsed.messages_supported == (
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    )
    data = PathmarkRegistration(URLS, parsed).lti_registration_data()
    config = data[tool.TOOL_CONFIGURATION]
    assert len(config["messages"]) == 2
    assert config["custom_parameters"] == {
        "resource_link_id_history": "$ResourceLink.id.history"
    }


def test_configuration_without_private_key_jwt_is_refused():
    body = {
        "issuer": "https://lms.example",
        "authorization_endpoint": "https://lms.example/auth",
        "token_endpoint": "https://lms.example/token",
        "jwks_uri": "https://lms.example/jwks",
        "registration_endpoint": "https://lms.example/register",
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {},
    }
    with pytest.raises(RegistrationFailed, match="private_key_jwt"):
        parse_configuration(body, "https://lms.example/.well-known/openid")


def test_non_url_endpoints_are_refused():
    body = {
        "issuer": "https://lms.example",
        "authorization_endpoint": "javascript:alert(1)",
        "token_endpoint": "https://lms.example/token",
        "jwks_uri": "https://lms.example/jwks",
        "registration_endpoint": "https://lms.example/register",
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {},
    }
    with pytest.raises(RegistrationFailed) as failure:
        parse_configuration(body, "https://lms.example/.well-known/openid")
    assert failure.value.shown == "Not a URL: authorization_endpoint"
