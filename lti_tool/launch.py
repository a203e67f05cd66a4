"""OIDC login, launch and the session after it (LTI 1.3 core, section 5.1).

``/lti/login`` starts the third-party initiated login; ``/lti/launch``
receives the platform's id_token. State and nonce live in the database and
are used once, so any worker can serve either step. The browser that
started the login must finish it: by a cookie where the browser keeps one,
by LTI platform storage (postMessage) where the platform offers it, and
otherwise by opening Pathmark in a new window.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Row

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.launch_records import RecordedLaunch, record_launch
from lti_tool.launch_session import TOKEN_PARAM
from lti_tool.launch_validation import IdTokenLaunch, ValidatedLaunch
from lti_tool.models import Launch, LoginState, Registration
from lti_tool.refusals import LaunchRefused, Reason
from lti_tool.services import services
from lti_tool.vocab import Claim, MessageType

bp = Blueprint("lti", __name__)

STATE_COOKIE_PREFIX = "pathmark_state_"
LAUNCH_PATH = "/lti/launch"
NEW_WINDOW_PARAM = "pathmark_new_window"
# A custom parameter naming the platform's own address for this launch
# (the page that starts it), where the platform can send one.
RELAUNCH_PARAM = "relaunch_url"
# A refused target_link_uri is shown up to this many characters.
SHOWN_TARGET = 200
# What the login state's columns hold.
MAX_TARGET = 2048
MAX_STORAGE_TARGET = 255
# Hints are opaque to Pathmark but stored with the login state; real ones
# (Moodle's ids, Canvas's signed hint) are far shorter.
MAX_HINT = 4096
# About one login in PURGE_EVERY also deletes login states older than
# STALE_LOGIN: long past any use, and anyone can create one.
PURGE_EVERY = 100
STALE_LOGIN = timedelta(days=1)
# Login parameters passed on when the launch is retried in a new window.
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
    "deployment_id",
)


def _shorten(target: str) -> str:
    """A refused target as the page shows it: its start, marked if cut."""
    if len(target) <= SHOWN_TARGET:
        return target
    return target[:SHOWN_TARGET] + f"… ({len(target):,} characters)"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def cookies_secure() -> bool:
    """Secure cookies over https, and on localhost (browsers allow it there)."""
    base = current_app.config["BASE_URL"]
    host = urlsplit(base).hostname or ""
    return base.startswith("https://") or host in {"localhost", "127.0.0.1"}


_reg = Registration.__table__
# Built once, so each is compiled once: what a login needs of a registration.
_LOGIN_REGISTRATIONS = select(_reg.c.id, _reg.c.client_id, _reg.c.auth_login_url).where(
    _reg.c.issuer == bindparam("issuer")
)
_LOGIN_REGISTRATION = _LOGIN_REGISTRATIONS.where(
    _reg.c.client_id == bindparam("client_id")
)
_INSERT_LOGIN_STATE = insert(LoginState.__table__)


def _resolve_registration(
    connection: Connection, issuer: str, client_id: str | None
) -> Row:
    if client_id:
        reg = connection.execute(
            _LOGIN_REGISTRATION, {"issuer": issuer, "client_id": client_id}
        ).first()
    else:
        # The spec lets platforms omit client_id when one suffices.
        candidates = connection.execute(
            _LOGIN_REGISTRATIONS.limit(2), {"issuer": issuer}
        ).all()
        if len(candidates) > 1:
            raise LaunchRefused(Reason.AMBIGUOUS_REGISTRATION, issuer=issuer)
        reg = candidates[0] if candidates else None
    if reg is None:
        raise LaunchRefused(
            Reason.UNKNOWN_REGISTRATION,
            "login for unknown registration",
            issuer=issuer,
            client_id=client_id or "",
            shown=f"Issuer: {issuer} · Client ID: {client_id or '(none sent)'}",
        )
    return reg


@bp.route("/lti/login", methods=["GET", "POST"])
def login() -> Response:
    """Third-party initiated login: remember state and nonce, go to the platform."""
    params = request.values
    issuer = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    client_id = params.get("client_id") or None
    if not issuer or not login_hint:
        raise LaunchRefused(
            Reason.LOGIN_PARAMS_MISSING, issuer=issuer, client_id=client_id or ""
        )
    hints = (login_hint, params.get("lti_message_hint", ""))
    if any(len(hint) > MAX_HINT for hint in hints):
        raise LaunchRefused(
            Reason.LOGIN_PARAMS_TOO_LONG,
            f"hint over {MAX_HINT} characters",
            issuer=issuer,
            client_id=client_id or "",
        )
    connection = db.session.connection()
    reg = _resolve_registration(connection, issuer, client_id)

    base = current_app.config["BASE_URL"]
    # What url_for("lti.launch") gives, without a URL build per login.
    launch_path = request.script_root + LAUNCH_PATH
    target = params.get("target_link_uri") or base + launch_path
    if len(target) > MAX_TARGET or (
        target != base and not target.startswith(base + "/")
    ):
        raise LaunchRefused(
            Reason.BAD_TARGET,
            "target_link_uri outside base_url",
            issuer=issuer,
            client_id=reg.client_id,
            # Echoed capped: a megabyte-long target came back whole.
            shown=f"Target: {_shorten(target)}",
        )

    # A frame name too long to be real is ignored, as if none was offered.
    storage_target = params.get("lti_storage_target") or None
    if storage_target and len(storage_target) > MAX_STORAGE_TARGET:
        storage_target = None
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    reg_id, client_id, auth_login_url = reg.id, reg.client_id, reg.auth_login_url
    storage_origin = origin_of(auth_login_url) if storage_target else None
    connection.execute(
        _INSERT_LOGIN_STATE,
        {
            "state": state,
            "nonce": nonce,
            "registration_id": reg_id,
            "target_link_uri": target,
            "storage_target": storage_target,
            "storage_origin": storage_origin,
            "login_params": {k: params[k] for k in LOGIN_PARAMS if params.get(k)},
            "created_at": utcnow(),
            "used_at": None,
        },
    )
    if secrets.randbelow(PURGE_EVERY) == 0:
        connection.execute(
            delete(LoginState).where(LoginState.created_at < utcnow() - STALE_LOGIN)
        )
    db.session.commit()

    auth_params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": client_id,
        # The launch URL registered with the platform, not the deep target:
        # platforms check redirect_uri against their list.
        "redirect_uri": base + launch_path,
        "state": state,
        "nonce": nonce,
        "login_hint": login_hint,
    }
    if params.get("lti_message_hint"):
        auth_params["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in auth_login_url else "?"
    auth_url = auth_login_url + separator + urlencode(auth_params)

    event(
        "login.started",
        registration=reg_id,
        platform_storage=bool(storage_target),
        new_window=bool(params.get(NEW_WINDOW_PARAM)),
    )
    if storage_target:
        response = Response(
            render_template(
                "lti/storage_login.html",
                auth_url=auth_url,
                target=storage_target,
                origin=storage_origin,
                key=STATE_COOKIE_PREFIX + state,
                value=nonce,
            )
        )
    else:
        response = redirect(auth_url, code=302)
    _set_state_cookie(response, state, launch_path)
    return response


def _set_state_cookie(response: Response, state: str, path: str) -> None:
    secure = cookies_secure()
    response.set_cookie(
        STATE_COOKIE_PREFIX + state,
        state,
        max_age=current_app.config["LOGIN_STATE_MAX_AGE"],
        path=path,
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
        partitioned=secure,
    )


@bp.route(LAUNCH_PATH, methods=["POST"])
def launch() -> Response:
    """The platform's form post with an id_token, or with an OIDC error."""
    params = request.form
    if params.get("error"):
        raise LaunchRefused(
            Reason.PLATFORM_ERROR,
            params["error"][:64],
            shown=f"The LMS said: {params['error'][:64]}"
            + (
                f" ({params['error_description'][:200]})"
                if params.get("error_description")
                else ""
            ),
        )

    svc = services()
    checks = IdTokenLaunch(
        params, svc.tool_conf, svc.platform_keys, svc.policy, secure=request.is_secure
    )
    validated = checks.run()
    state = validated.login.state

    bound = request.cookies.get(STATE_COOKIE_PREFIX + state) == state
    if not bound and not validated.login.storage_target:
        # The browser withheld the cookie: the state stays unused (nothing
        # was written); offer a top-level window where cookies work.
        relaunch = relaunch_url(validated.claims)
        event(
            "launch.needs_window",
            registration=validated.registration_id,
            deployment=validated.deployment_id,
            retry="platform" if relaunch else "login",
        )
        return Response(
            render_template(
                "lti/new_window.html",
                retry_url=relaunch or _login_retry_url(validated),
                through_platform=relaunch is not None,
            ),
            status=200,
        )

    # Everything was read during validation; writing from the state update
    # to the commit holds the database's write lock as briefly as possible.
    checks.use_state()
    accepted = _accepted(
        record_launch(validated, pending_state=None if bound else state)
    )
    db.session.commit()

    if not bound:
        return Response(
            render_template(
                "lti/storage_launch.html",
                target=validated.login.storage_target,
                origin=validated.login.storage_origin,
                key=STATE_COOKIE_PREFIX + state,
                launch_id=accepted["launch"],
                confirm_url=url_for("lti.confirm_storage"),
            )
        )
    event("launch.accepted", **accepted, binding="cookie")
    return _after_launch(accepted)


def relaunch_url(claims: Mapping[str, Any]) -> str | None:
    """The platform's address that starts this launch afresh, if it sent one.

    Opened in a new window it makes the platform issue new login hints
    (Canvas-like platforms accept each hint once). It comes in the signed
    id_token, and is taken only on a platform origin the launch names.
    """
    custom = claims.get(Claim.CUSTOM)
    url = custom.get(RELAUNCH_PARAM) if isinstance(custom, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    presentation = claims.get(Claim.LAUNCH_PRESENTATION)
    tool_platform = claims.get(Claim.TOOL_PLATFORM)
    named = [
        claims.get("iss"),
        presentation.get("return_url") if isinstance(presentation, dict) else None,
        tool_platform.get("url") if isinstance(tool_platform, dict) else None,
    ]
    platform_origins = {_origin_or_none(u) for u in named if isinstance(u, str)}
    origin = _origin_or_none(url)
    return url if origin and origin in platform_origins else None


def _origin_or_none(url: str) -> str | None:
    try:
        return origin_of(url)
    except ValueError:  # e.g. "https://[host": urlsplit refuses it
        return None


def _login_retry_url(validated: ValidatedLaunch) -> str:
    """The login again with the platform's hints.

    Known limit: this works only where the platform accepts a hint again;
    where each is accepted once it ends in ``launch_no_longer_valid``.
    """
    login_params = dict(validated.login.login_params or {})
    login_params[NEW_WINDOW_PARAM] = "1"
    return url_for("lti.login") + "?" + urlencode(login_params)


@bp.route("/lti/launch/confirm", methods=["POST"])
def confirm_storage() -> Response:
    """Finish a launch whose login was proven through platform storage."""
    launch_id = request.form.get("launch_id", "")
    value = request.form.get("value", "")
    launch_row = db.session.get(Launch, launch_id)
    if launch_row is None or launch_row.pending_state is None:
        raise LaunchRefused(Reason.REPLAYED_STATE, "no pending launch")
    login_state = db.session.get(LoginState, launch_row.pending_state)
    if login_state is None or not secrets.compare_digest(login_state.nonce, value):
        raise LaunchRefused(
            Reason.BROWSER_MISMATCH,
            "platform storage value differs",
            issuer=launch_row.registration.issuer,
            client_id=launch_row.registration.client_id,
        )
    result = db.session.execute(
        update(Launch)
        .where(Launch.id == launch_row.id, Launch.pending_state.is_not(None))
        .values(pending_state=None)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LaunchRefused(Reason.REPLAYED_STATE, "launch confirmed twice")
    db.session.commit()
    db.session.refresh(launch_row)
    accepted = _accepted(launch_row)
    event("launch.accepted", **accepted, binding="platform_storage")
    return _after_launch(accepted)


def _accepted(launch_row: Launch | RecordedLaunch) -> dict[str, str | int | None]:
    """The ids a launch is logged with and redirected by, as plain values."""
    return {
        "launch": launch_row.id,
        "registration": launch_row.registration_id,
        "deployment": launch_row.deployment_id,
        "course": launch_row.course_id,
        "link": launch_row.resource_link_id,
        "message": launch_row.message_type,
        "role": launch_row.course_role,
    }


def _after_launch(accepted: dict[str, str | int | None]) -> Response:
    launch_id = str(accepted["launch"])
    token = services().tokens.issue(launch_id)
    if accepted["message"] == MessageType.DEEP_LINKING:
        endpoint = "deep_linking.picker"
    else:
        endpoint = "pages.activity"
    return redirect(
        url_for(endpoint, launch_id=launch_id, **{TOKEN_PARAM: token}), code=303
    )


@bp.route("/lti/jwks")
@bp.route("/.well-known/jwks.json")
def jwks() -> Response:
    """The tool's public keys: current and retired ones still in grace."""
    response = current_app.json.response(services().keyring.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
