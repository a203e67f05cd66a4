"""The client registration Pathmark posts in Dynamic Registration.

pylti1p3's :class:`DynamicRegistration` lays the body out; Pathmark fills
in its URLs, scopes, claims and messages from
:mod:`lti_tool.tool_configuration`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pylti1p3.dynamic_registration import DynamicRegistration

from lti_tool import tool_configuration as tool

if TYPE_CHECKING:
    from lti_tool.dynamic_registration import PlatformConfiguration


class PathmarkRegistration(DynamicRegistration):
    """The client registration Pathmark posts (DR 1.0, section 3.3).

    Scopes and messages are limited to what the platform says it supports,
    when it says so: some platforms refuse a registration that asks for
    one scope they lack.
    """

    client_name = tool.TOOL_NAME
    description = tool.DESCRIPTION

    def __init__(self, urls: tool.ToolUrls, platform: PlatformConfiguration):
        self.urls = urls
        self.platform = platform

    def get_initiate_login_uri(self) -> str:
        return self.urls.login

    def get_jwks_uri(self) -> str:
        return self.urls.jwks

    def get_redirect_uris(self) -> list[str]:
        return self.urls.redirect_uris

    def get_scopes(self) -> list[str]:
        supported = self.platform.scopes_supported
        return [s for s in tool.SCOPES if supported is None or s in supported]

    def get_domain(self) -> str:
        return self.urls.domain

    def get_target_link_uri(self) -> str:
        return self.urls.launch

    def get_claims(self) -> list[str]:
        return list(tool.CLAIMS)

    def get_messages(self) -> list[dict[str, Any]]:  # type: ignore[override]
        supported = self.platform.messages_supported
        return [
            m
            for m in tool.messages(self.urls)
            if supported is None or m["type"] in supported
        ]

    def get_logo_uri(self) -> str:
        return self.urls.logo

    def lti_registration_data(self) -> dict[str, Any]:
        data = super().lti_registration_data()
        config = data[tool.TOOL_CONFIGURATION]
        config["custom_parameters"] = tool.custom_parameters(
            self.platform.is_canvas, self.platform.variables
        )
        if self.platform.is_canvas:
            config[tool.CANVAS_PRIVACY_LEVEL] = tool.PRIVACY_LEVEL
        return data
