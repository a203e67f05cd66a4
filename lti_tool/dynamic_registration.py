"""LTI Dynamic Registration 1.0, tool side.

The platform opens ``/lti/register`` with ``openid_configuration`` and
usually ``registration_token``. Pathmark fetches the platform's OpenID
configuration (through :mod:`lti_tool.public_address`), checks it, posts
its client registration with the token as bearer, and stores the returned
client_id and deployment_id.

pylti1p3's :class:`DynamicRegistration` builds the registration body (see
:mod:`lti_tool.registration_body`); its ``register()`` is not used: it has
no timeouts, size limits, issuer check or address guard, and reports
platform errors only as exceptions, while an admin here must read the
platform's own words (Canvas answers 422 with ``{"errors": [...]}``,
others the OAuth ``error``/``error_description``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from lti_tool import tool_configuration as tool
from lti_tool.models import Deployment, Registration
from lti_tool.public_address import (
    AddressPolicy,
    AddressRefused,
    Answer,
    OutboundClient,
    ResponseRefused,
)
from lti_tool.registration import (
    EndpointRefused,
    PlatformEndpoints,
    RegistrationError,
    add_deployment,
    add_platform,
    find_registration,
)
from lti_tool.registration_body import PathmarkRegistration

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED_URLS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)
MAX_SHOWN = 500


class RegistrationFailed(Exception):
    """Registration stopped; ``shown`` is safe and useful to show the admin.

    ``step`` names where it stopped, for logs and tests: ``disabled``,
    ``rate``, ``request``, ``address``, ``configuration``, ``issuer``,
    ``platform`` or ``store``.
    """

    def __init__(self, step: str, message: str, shown: str = "", status: int = 400):
        super().__init__(message)
        self.step = step
        self.message = message
        self.shown = shown[:MAX_SHOWN]
        self.status = status


@dataclass(frozen=True)
class PlatformConfiguration:
    """The parts of a platform's OpenID configuration Pathmark uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product_family_code: str
    scopes_supported: tuple[str, ...] | None
    messages_supported: tuple[str, ...] | None
    # Substitution variables the platform supports (Moodle lists them).
    variables: tuple[str, ...] | None = None

    @property
    def is_canvas(self) -> bool:
        return self.product_family_code.lower() == "canvas"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _json_object(answer: Answer, what: str, step: str) -> dict[str, Any]:
    try:
        body = json.loads(answer.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise RegistrationFailed(
            step,
            f"The platform's {what} is not a JSON object.",
            shown=f"{answer.content_type or 'no content type'}: {answer.text[:200]}",
            status=502,
        )
    return body


def _strings(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str))


def issuer_trusted(issuer: str, config_url: str) -> bool:
    """Does the configuration URL's host vouch for this issuer (DR 1.0, 3.5.1)?

    Canvas serves its configuration on the issuer's host
    (``https://canvas.instructure.com/api/lti/security/openid-configuration``
    for hosted Canvas), Moodle on its ``wwwroot``, so no exception is made.
    """
    return bool(_host(issuer)) and _host(issuer) == _host(config_url)


def _message_types(value: object) -> tuple[str, ...] | None:
    """``messages_supported``: objects with ``type`` per the spec (Canvas),
    or plain strings (Moodle)."""
    if not isinstance(value, list):
        return None
    types = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("type"), str):
            types.append(item["type"])
        elif isinstance(item, str):
            types.append(item)
    return tuple(types)


def parse_configuration(body: dict[str, Any], config_url: str) -> PlatformConfiguration:
    """Check the OpenID configuration's fields and issuer."""
    missing = [k for k in ("issuer", *REQUIRED_URLS) if not body.get(k)]
    platform = body.get(PLATFORM_CONFIGURATION)
    if not isinstance(platform, dict):
        missing.append(PLATFORM_CONFIGURATION)
    if missing:
        raise RegistrationFailed(
            "configuration",
            "The platform's OpenID configuration lacks required fields.",
            shown="Missing: " + ", ".join(missing),
            status=502,
        )
    bad = [k for k in ("issuer", *REQUIRED_URLS) if not _is_http_url(body[k])]
    if bad:
        raise RegistrationFailed(
            "configuration",
            "The platform's OpenID configuration has fields that are not http(s) URLs.",
            shown="Not a URL: " + ", ".join(bad),
            status=502,
        )
    auth_methods = _strings(body.get("token_endpoint_auth_methods_supported"))
    if auth_methods is not None and "private_key_jwt" not in auth_methods:
        raise RegistrationFailed(
            "configuration",
            "The platform does not accept signed JWTs (private_key_jwt) at its "
            "token endpoint, which LTI 1.3 services need.",
            status=502,
        )
    issuer = body["issuer"]
    family = str(platform.get("product_family_code") or "")  # type: ignore[union-attr]
    if not issuer_trusted(issuer, config_url):
        raise RegistrationFailed(
            "issuer",
            "The platform's issuer does not match the host of its configuration "
            "URL, so Pathmark cannot trust it.",
            shown=f"Issuer: {issuer[:200]} · configuration host: {_host(config_url)}",
        )
    return PlatformConfiguration(
        issuer=issuer,
        authorization_endpoint=body["authorization_endpoint"],
        token_endpoint=body["token_endpoint"],
        jwks_uri=body["jwks_uri"],
        registration_endpoint=body["registration_endpoint"],
        product_family_code=family,
        scopes_supported=_strings(body.get("scopes_supported")),
        messages_supported=_message_types(
            platform.get("messages_supported")  # type: ignore[union-attr]
        ),
        variables=_strings(platform.get("variables")),  # type: ignore[union-attr]
    )


def platform_error_text(answer: Answer) -> str:
    """The platform's error as it wrote it, in either shape it uses.

    OAuth registration errors are ``{"error", "error_description"}``;
    Canvas answers ``{"errors": [...]}`` with strings or objects.
    """
    try:
        body = json.loads(answer.body)
    except ValueError:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        for key in ("error", "error_description", "message", "errorMessage"):
            if isinstance(body.get(key), str):
                parts.append(body[key])
        errors = body.get("errors")
        for item in errors if isinstance(errors, list) else []:
            if isinstance(item, dict):
                field = item.get("field") or item.get("attribute")
                message = item.get("message") or json.dumps(item)
                parts.append(f"{field}: {message}" if field else str(message))
            else:
                parts.append(str(item))
        if isinstance(errors, dict):
            parts.extend(f"{k}: {v}" for k, v in errors.items())
    if not parts and answer.location and 300 <= answer.status < 400:
        parts.append(
            f"It redirects to {answer.location[:200]}; Pathmark follows no "
            "redirects, so the LMS must name the final URL."
        )
    if not parts:
        parts.append(answer.text.strip()[:200] or answer.reason)
    return " · ".join(p for p in parts if p)


class Registrar:
    """Runs one registration through a guarded, limited HTTP client."""

    def __init__(self, http: OutboundClient, urls: tool.ToolUrls):
        self.http = http
        self.urls = urls
        # http_timeout bounds the whole exchange (configuration fetch and
        # registration post together); register() starts the clock.
        self.deadline: float | None = None

    def _call(self, method: str, url: str, what: str, **kwargs) -> Answer:
        try:
            return self.http.request(method, url, self.deadline, **kwargs)
        except AddressRefused as exc:
            raise RegistrationFailed(
                "address",
                f"Pathmark does not contact the platform's {what} at that "
                "address: only public internet addresses are allowed.",
                shown=str(exc),
                status=403,
            ) from None
        except ResponseRefused as exc:
            raise RegistrationFailed(
                "platform",
                f"The platform's {what} answered too slowly or too much.",
                shown=str(exc),
                status=502,
            ) from None
        except requests.RequestException as exc:
            raise RegistrationFailed(
                "platform",
                f"Pathmark could not reach the platform's {what}.",
                shown=type(exc).__name__,
                status=502,
            ) from None

    def fetch_configuration(
        self, config_url: str, token: str = ""
    ) -> PlatformConfiguration:
        if not config_url:
            raise RegistrationFailed(
                "request",
                "Open this page from your LMS's tool registration: the LMS "
                "passes openid_configuration to it.",
            )
        if not _is_http_url(config_url):
            raise RegistrationFailed(
                "request", "openid_configuration must be an http(s) URL."
            )
        headers = {"Accept": "application/json"}
        if token:
            # Canvas, for one, may answer the configuration only to a
            # bearer of the registration token.
            headers["Authorization"] = f"Bearer {token}"
        answer = self._call("GET", config_url, "configuration", headers=headers)
        if not answer.ok:
            raise RegistrationFailed(
                "configuration",
                f"The platform answered {answer.status} when Pathmark asked for "
                "its configuration.",
                shown=platform_error_text(answer),
                status=502,
            )
        body = _json_object(answer, "configuration", "configuration")
        return parse_configuration(body, config_url)

    def registration_body(self, platform: PlatformConfiguration) -> dict[str, Any]:
        return PathmarkRegistration(self.urls, platform).lti_registration_data()

    def post_registration(
        self, platform: PlatformConfiguration, token: str
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answer = self._call(
            "POST",
            platform.registration_endpoint,
            "registration endpoint",
            data=json.dumps(self.registration_body(platform)),
            headers=headers,
        )
        if not answer.ok:
            raise RegistrationFailed(
                "platform",
                f"The platform refused the registration (HTTP {answer.status}).",
                shown=platform_error_text(answer),
                status=502,
            )
        body = _json_object(answer, "registration answer", "platform")
        client_id = body.get("client_id")
        if not isinstance(client_id, str | int) or not str(client_id):
            raise RegistrationFailed(
                "platform", "The platform's answer has no client_id.", status=502
            )
        return body

    def register(
        self, config_url: str, token: str, deployment_status: str
    ) -> Registration:
        """The whole flow; the caller commits the session."""
        self.deadline = self.http.deadline()
        platform = self.fetch_configuration(config_url, token)
        answer = self.post_registration(platform, token)
        return store(platform, answer, deployment_status, self.http.policy)


def store(
    platform: PlatformConfiguration,
    answer: dict[str, Any],
    deployment_status: str,
    policy: AddressPolicy | None = None,
) -> Registration:
    """Keep the client_id and deployment the platform returned.

    A registration that exists already is never changed from here: this
    page is open to anyone, and updating endpoints would hand an existing
    registration's launches to whoever claims its client_id.
    """
    client_id = str(answer["client_id"])
    if find_registration(platform.issuer, client_id) is not None:
        raise RegistrationFailed(
            "store",
            "Pathmark already has a registration with this issuer and "
            "client_id. An admin must remove it in Pathmark first.",
            shown=f"{platform.issuer} · {client_id}",
            status=409,
        )
    config = answer.get(tool.TOOL_CONFIGURATION)
    deployment_id = config.get("deployment_id") if isinstance(config, dict) else None
    name = platform.product_family_code.capitalize() or _host(platform.issuer)
    endpoints = PlatformEndpoints(
        issuer=platform.issuer,
        client_id=client_id,
        auth_login_url=platform.authorization_endpoint,
        auth_token_url=platform.token_endpoint,
        key_set_url=platform.jwks_uri,
        name=f"{name} ({_host(platform.registration_endpoint)})",
    )
    try:
        reg = add_platform(endpoints, policy=policy, trusted=False)
    except EndpointRefused as exc:
        raise RegistrationFailed(
            "address",
            "Pathmark does not store a platform whose endpoints it may not call.",
            shown=str(exc),
            status=403,
        ) from None
    except RegistrationError as exc:
        raise RegistrationFailed("store", str(exc), status=502) from None
    if isinstance(deployment_id, str | int) and str(deployment_id):
        add_deployment(reg, str(deployment_id), deployment_status)
    return reg


def deployment_status(unknown_deployment_policy: str) -> str:
    """Where the operator approves new deployments, these wait too."""
    if unknown_deployment_policy == "pending":
        return Deployment.PENDING
    return Deployment.ACTIVE
