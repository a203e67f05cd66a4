"""Pages opened after a launch: which launch, whose, and who may frame them.

``current_launch`` is where the session slides: it checks the token the
request brought and puts a new one for the same launch in ``g``, which
``launch_url`` and the templates' hidden ``lt`` fields use. JSON answers
carry it in the ``Pathmark-Launch-Token`` header for page scripts.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, g, request, url_for

from lti_tool.launch_session import TOKEN_HEADER, TOKEN_PARAM
from lti_tool.models import Launch
from lti_tool.refusals import LaunchRefused, Reason
from lti_tool.roles import CourseRole
from lti_tool.services import services
from lti_tool.vocab import Claim

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def current_launch(
    launch_id: str, *, role: CourseRole | None = None, query_only: bool = False
) -> Launch:
    """The launch this request's token opens; optionally require a role.

    The page drawn for it gets a newly issued token, so activity keeps
    the session alive (within the tokens' cap from the launch).
    """
    tokens = services().tokens
    # The query, then a form's field; ``query_only`` leaves the body unread
    # (evidence sets its own size limit before its body is parsed).
    token = request.args.get(TOKEN_PARAM)
    if token is None and not query_only and request.mimetype in FORM_TYPES:
        token = request.form.get(TOKEN_PARAM)
    launch = tokens.load(token, launch_id)
    if role is not None:
        require_role(launch, role)
    g.launch = launch
    g.launch_token = tokens.issue(launch)
    return launch


def require_role(launch: Launch, role: CourseRole) -> None:
    """Refuse a launch whose course role is not ``role``."""
    if launch.course_role != role.value:
        raise LaunchRefused(
            Reason.NOT_ALLOWED,
            f"needs {role.value}, has {launch.course_role}",
            issuer=launch.registration.issuer,
            client_id=launch.registration.client_id,
        )


def launch_url(endpoint: str, **values) -> str:
    """``url_for`` that carries the launch token, for links inside pages."""
    token = g.get("launch_token")
    if token:
        values[TOKEN_PARAM] = token
    return url_for(endpoint, **values)


# What a host may hold in a CSP source: no wildcard, space or ";" that
# would widen frame-ancestors or start another directive.
_HOST = re.compile(r"[a-z0-9.-]+|\[[0-9a-f:.]+\]")


def _origin(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # "https://[lms" or a port that is not a number
        return None
    if parts.scheme not in {"http", "https"} or not host:
        return None
    host = f"[{host}]" if ":" in host else host  # IPv6 keeps its brackets
    if not _HOST.fullmatch(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _claim_url(claims: dict, claim: str, key: str) -> object:
    value = claims.get(claim)
    return value.get(key) if isinstance(value, dict) else None


def frame_ancestors(launch: Launch) -> list[str]:
    """The platform origins allowed to frame this launch's pages."""
    claims = launch.claims
    candidates = [
        launch.registration.issuer,
        launch.registration.auth_login_url,
        _claim_url(claims, Claim.LAUNCH_PRESENTATION, "return_url"),
        _claim_url(claims, Claim.DL_SETTINGS, "deep_link_return_url"),
        _claim_url(claims, Claim.TOOL_PLATFORM, "url"),
    ]
    origins = []
    for url in candidates:
        origin = _origin(url)
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def init_app(app: Flask) -> None:
    app.jinja_env.globals["launch_url"] = launch_url

    @app.after_request
    def frame_policy(response: Response) -> Response:
        launch = g.get("launch")
        if launch is not None:
            allowed = " ".join(["'self'", *frame_ancestors(launch)])
            # A response with its own policy (an artefact's sandbox) keeps it;
            # only the framing rule joins it.
            own = response.headers.get("Content-Security-Policy")
            rule = f"frame-ancestors {allowed}"
            response.headers["Content-Security-Policy"] = (
                f"{own}; {rule}" if own else rule
            )
        else:
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors *")
        # Page scripts (scoring.js, evidence.js) carry the renewed token on.
        if launch is not None and response.is_json:
            response.headers[TOKEN_HEADER] = g.launch_token
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response
