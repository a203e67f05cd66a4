"""A platform's side of Dynamic Registration, served over real HTTP.

Strict like a real LMS: the registration endpoint refuses a missing or
wrong bearer token, a body that is not JSON, and a body that lacks what
LTI DR 1.0 requires of a tool. ``flavour`` picks Moodle's or Canvas's
shapes, as their sources write them: Moodle lists ``messages_supported``
as strings and its substitution ``variables``, answers errors as plain
text and returns the new tool's id as ``deployment_id``; Canvas lists
message objects with placements, answers validation errors as 422 with
``{"errors": [...]}`` and a bad token as ``{"errorMessage": ...}``, and
returns no deployment (Canvas makes one per install, later). Other paths
misbehave on purpose: a slow drip, an oversized answer, an HTML page.
"""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Request, Response

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED_TOP = (
    "application_type",
    "response_types",
    "grant_types",
    "initiate_login_uri",
    "redirect_uris",
    "client_name",
    "jwks_uri",
    "token_endpoint_auth_method",
    "scope",
    TOOL_CONFIGURATION,
)


class RegistrationPlatform:
    def __init__(self, flavour: str = "moodle", token: str = "reg-token-123"):
        self.flavour = flavour
        self.token = token
        self.base_url = ""  # set once served
        self.issuer: str | None = None  # None: the base URL
        self.client_id = "tool-client-42"
        self.deployment_id = "7" if flavour == "moodle" else None
        self.registrations: list[dict[str, Any]] = []
        self.config_requests = 0
        self.omit: set[str] = set()
        self.registration_endpoint: str | None = None
        self.drip_seconds = 0.0
        # Seconds before the configuration and the registration answer.
        self.pause_seconds = 0.0
        self.refuse_with: str | None = None  # a validation error to answer
        # Strict: the configuration, too, only for the registration token's
        # bearer (as Canvas may require).
        self.configuration_needs_bearer = False

    # -- what the platform publishes -------------------------------------
    def configuration(self) -> dict[str, Any]:
        base = self.base_url
        if self.flavour == "canvas":
            paths = (
                "/api/lti/authorize_redirect",
                "/login/oauth2/token",
                "/api/lti/security/jwks",
                "/api/lti/registrations",
            )
        else:
            paths = (
                "/mod/lti/auth.php",
                "/mod/lti/token.php",
                "/mod/lti/certs.php",
                "/mod/lti/openid-registration.php",
            )
        config = {
            "issuer": self.issuer or base,
            "authorization_endpoint": base + paths[0],
            "token_endpoint": base + paths[1],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": base + paths[2],
            "registration_endpoint": self.registration_endpoint or base + paths[3],
            "scopes_supported": [
                "openid",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/"
                "contextmembership.readonly",
            ],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "email"],
            PLATFORM_CONFIGURATION: self.platform_configuration(),
        }
        for key in self.omit:
            config.pop(key, None)
        return config

    def platform_configuration(self) -> dict[str, Any]:
        if self.flavour == "moodle":
            return {
                "product_family_code": "moodle",
                "version": "4.3",
                "messages_supported": [
                    "LtiResourceLinkRequest",
                    "LtiDeepLinkingRequest",
                ],
                "placements": ["AddContentMenu"],
                "variables": ["Context.id", "Context.id.history", "User.id"],
            }
        return {
            "product_family_code": "canvas",
            "version": "OpenSource",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest", "placements": ["course_navigation"]},
                {
                    "type": "LtiDeepLinkingRequest",
                    "placements": ["assignment_selection", "link_selection"],
                },
            ],
        }

    # -- WSGI -------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.route(request)
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        path = request.path
        if "openid-configuration" in path:
            self.config_requests += 1
            time.sleep(self.pause_seconds)
            if (
                self.flavour == "canvas"
                and request.args.get("registration_token") != self.token
            ):
                return _json({"errorMessage": "registration token required"}, 401)
            bearer = request.headers.get("Authorization")
            if self.configuration_needs_bearer and bearer != f"Bearer {self.token}":
                return self.token_error(bearer)
            return _json(self.configuration())
        if path in ("/api/lti/registrations", "/mod/lti/openid-registration.php"):
            return self.register(request)
        if path == "/slow-configuration":
            return self.slow()
        if path == "/big-configuration":
            return Response(
                b'{"pad": "' + b"x" * 2_000_000 + b'"}', mimetype="application/json"
            )
        if path == "/big-stream-configuration":
            # No Content-Length: only counting the bytes read can stop it.
            chunks = (b"x" * 65536 for _ in range(64))
            return Response(chunks, mimetype="application/json")
        if path == "/html-configuration":
            return Response("<html><body>Log in</body></html>", mimetype="text/html")
        return Response("not found", status=404)

    def slow(self) -> Response:
        # Each byte comes well within a read timeout; the whole takes long.
        def drip():
            for _ in range(40):
                time.sleep(self.drip_seconds)
                yield b" "
            yield b"{}"

        return Response(drip(), mimetype="application/json")

    def register(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("method not allowed", status=405)
        time.sleep(self.pause_seconds)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self.token_error(request.headers.get("Authorization"))
        if request.mimetype != "application/json":
            return self.invalid("body must be JSON")
        try:
            body = json.loads(request.get_data())
        except ValueError:
            return self.invalid("body is not JSON")
        problems = check_registration(body)
        if self.refuse_with:
            problems.append(self.refuse_with)
        if problems:
            return self.invalid("; ".join(problems))
        self.registrations.append(body)
        answer = dict(body)
        answer["client_id"] = self.client_id
        answer[TOOL_CONFIGURATION] = dict(body[TOOL_CONFIGURATION])
        if self.deployment_id is not None:
            answer["application_type"] = ["web"]  # as Moodle writes it
            answer[TOOL_CONFIGURATION]["deployment_id"] = self.deployment_id
        return _json(answer)

    def token_error(self, header: str | None) -> Response:
        if self.flavour == "canvas":
            return _json({"errorMessage": "JWT did not include expected contents"}, 401)
        message = "missing_registration_token" if not header else "token_already_used"
        return Response(message, status=401, mimetype="text/plain")

    def invalid(self, description: str) -> Response:
        if self.flavour == "canvas":
            return _json(
                {"errors": [{"field": "registration", "message": description}]}, 422
            )
        return Response(description, status=400, mimetype="text/plain")


def check_registration(body: Any) -> list[str]:
    """What LTI DR 1.0 section 3.3 requires of a tool's registration body."""
    if not isinstance(body, dict):
        return ["body is not an object"]
    problems = [f"missing {key}" for key in REQUIRED_TOP if key not in body]
    if problems:
        return problems
    if body["application_type"] != "web":
        problems.append("application_type must be web")
    if body["response_types"] != ["id_token"]:
        problems.append("response_types must be [id_token]")
    if not {"implicit", "client_credentials"} <= set(body["grant_types"]):
        problems.append("grant_types must include implicit and client_credentials")
    if body["token_endpoint_auth_method"] != "private_key_jwt":
        problems.append("token_endpoint_auth_method must be private_key_jwt")
    if not isinstance(body["redirect_uris"], list) or not body["redirect_uris"]:
        problems.append("redirect_uris must be a non-empty list")
    config = body[TOOL_CONFIGURATION]
    for key in ("domain", "target_link_uri", "claims", "messages"):
        if key not in config:
            problems.append(f"tool configuration lacks {key}")
    types = {m.get("type") for m in config.get("messages", [])}
    if "LtiDeepLinkingRequest" not in types:
        problems.append("no LtiDeepLinkingRequest message")
    return problems


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
