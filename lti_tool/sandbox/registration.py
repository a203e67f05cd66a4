"""Dynamic Registration, platform side, in the sandbox LMS.

The admin page ``/register-tool`` opens Pathmark's ``/lti/register`` in a
frame with the sandbox's OpenID configuration URL and a one-time
registration token, as Moodle and Canvas do. The registration endpoint
checks the bearer token and the body, issues a new client_id and
deployment_id, and the sandbox launches with them from then on, so the
whole set-up is exercised in development (``lti-tool dev`` allows
Pathmark to call loopback addresses for this).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from lti_tool.sandbox.lms import SandboxLMS
from lti_tool.vocab import MessageType, Scope

bp = Blueprint("sandbox_registration", __name__)

TOKEN_LIFETIME = 3600.0
CONFIGURATION_PATH = "/.well-known/openid-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
REQUIRED = (
    "client_name",
    "initiate_login_uri",
    "redirect_uris",
    "jwks_uri",
    "token_endpoint_auth_method",
    TOOL_CONFIGURATION,
)


@dataclass
class SandboxRegistrar:
    """One-time registration tokens and the registrations made with them."""

    tokens: dict[str, float] = field(default_factory=dict)
    made: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.time() + TOKEN_LIFETIME
        return token

    def use(self, token: str) -> bool:
        with self.lock:
            until = self.tokens.pop(token, 0.0)
        return until > time.time()

    def record(self) -> dict[str, str]:
        """A new client_id and deployment_id for one registration."""
        with self.lock:
            number = len(self.made) + 1
            made = {
                "client_id": f"pathmark-dr-{number}-{secrets.token_hex(3)}",
                "deployment_id": f"sandbox-dr-deployment-{number}",
            }
            self.made.append(made)
        return made


def init_app(app: Flask) -> None:
    app.extensions["sandbox_registrar"] = SandboxRegistrar()
    app.register_blueprint(bp)


def _lms() -> SandboxLMS:
    return current_app.extensions["sandbox_lms"]


def _registrar() -> SandboxRegistrar:
    return current_app.extensions["sandbox_registrar"]


def _external(endpoint: str) -> str:
    return _lms().issuer + url_for(endpoint)


def tool_registration_url(app: Flask) -> str:
    """Pathmark's registration page with a new one-time token, as an LMS
    opens it for its administrator."""
    lms: SandboxLMS = app.extensions["sandbox_lms"]
    token = app.extensions["sandbox_registrar"].issue()
    query = urlencode(
        {
            "openid_configuration": lms.issuer + CONFIGURATION_PATH,
            "registration_token": token,
        }
    )
    return f"{lms.tool_url}/lti/register?{query}"


@bp.get("/register-tool")
def register_tool():
    return render_template(
        "sandbox/register_tool.html",
        lms=_lms(),
        frame_src=tool_registration_url(current_app),
        tool_origin=_lms().tool_url,
    )


@bp.get("/register-tool/done")
def registered():
    return render_template(
        "sandbox/register_tool_done.html", lms=_lms(), made=_registrar().made
    )


@bp.get(CONFIGURATION_PATH)
def configuration():
    issuer = _lms().issuer
    return jsonify(
        {
            "issuer": issuer,
            "authorization_endpoint": _external("sandbox.authorize"),
            "token_endpoint": _external("sandbox.token"),
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": _external("sandbox.jwks"),
            "registration_endpoint": _external("sandbox_registration.register"),
            "scopes_supported": ["openid", *(s.value for s in Scope)],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "pathmark-sandbox",
                "version": "1",
                "messages_supported": [
                    {"type": MessageType.RESOURCE_LINK.value},
                    {"type": MessageType.DEEP_LINKING.value},
                ],
            },
        }
    )


def _error(status: int, code: str, description: str):
    return jsonify({"error": code, "error_description": description}), status


@bp.post("/lti/registrations")
def register():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not _registrar().use(header[7:]):
        return _error(401, "invalid_token", "unknown, used or expired token")
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_client_metadata", "the body must be JSON")
    missing = [key for key in REQUIRED if not body.get(key)]
    if missing:
        return _error(400, "invalid_client_metadata", "missing " + ", ".join(missing))
    lms = _lms()
    made = _registrar().record()
    client_id, deployment_id = made["client_id"], made["deployment_id"]
    lms.adopt_registration(client_id, deployment_id)
    lms.log(f"registered Pathmark by Dynamic Registration as {client_id}")
    answer = dict(body)
    answer["client_id"] = client_id
    answer[TOOL_CONFIGURATION] = {
        **body[TOOL_CONFIGURATION],
        "deployment_id": deployment_id,
    }
    return jsonify(answer)
