"""Pages an LMS opens to set Pathmark up: Dynamic Registration, Canvas JSON."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from lti_tool import tool_configuration as tool
from lti_tool.db import db, utcnow
from lti_tool.dynamic_registration import (
    Registrar,
    RegistrationFailed,
    deployment_status,
)
from lti_tool.events import event
from lti_tool.public_address import AddressPolicy, OutboundClient, parse_networks
from lti_tool.registration_limit import AttemptLimit
from lti_tool.services import USER_AGENT

bp = Blueprint("setup", __name__)


def tool_urls() -> tool.ToolUrls:
    return tool.ToolUrls(current_app.config["BASE_URL"])


def outbound_client() -> OutboundClient:
    """The guarded client for URLs that arrive with a registration request."""
    cfg = current_app.config
    return OutboundClient(
        AddressPolicy(parse_networks(cfg["REGISTRATION_ALLOWED_NETWORKS"])),
        timeout=float(cfg["HTTP_TIMEOUT"]),
        max_bytes=int(cfg["REGISTRATION_MAX_BYTES"]),
        user_agent=USER_AGENT,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return ""


def _admit(address: str) -> int | None:
    """Count this opening against its address's limit (kept even when the
    registration then fails); the seconds to wait when over it."""
    cfg = current_app.config
    limit = AttemptLimit(
        attempts=int(cfg["REGISTRATION_RATE_LIMIT"]),
        window=timedelta(seconds=int(cfg["REGISTRATION_RATE_WINDOW"])),
        secret=cfg["SECRET_KEY"],
    )
    wait = limit.admit(address, utcnow())
    db.session.commit()
    return wait


def _too_many(wait: int) -> Response:
    minutes = max(1, -(-wait // 60))
    failure = RegistrationFailed(
        "rate",
        "Pathmark has had too many registration attempts from your address. "
        f"Wait {minutes} minute{'s' if minutes > 1 else ''}, then start the "
        "registration again from your LMS.",
        status=429,
    )
    event("registration.refused", logging.WARNING, step="rate", status=429)
    html = render_template("setup/register_failed.html", failure=failure, config_url="")
    response = Response(html, status=429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.get("/lti/register")
def register() -> Response | tuple[str, int]:
    """Dynamic Registration: the platform opens this in a frame or window."""
    if not current_app.config["DYNAMIC_REGISTRATION"]:
        failure = RegistrationFailed(
            "disabled",
            "Dynamic Registration is turned off on this Pathmark. Its "
            "administrator can turn it on (setting dynamic_registration) or "
            "give you the values for a manual set-up.",
            status=403,
        )
        html = render_template(
            "setup/register_failed.html", failure=failure, config_url=""
        )
        return html, failure.status
    wait = _admit(request.remote_addr or "")
    if wait is not None:
        return _too_many(wait)
    config_url = request.args.get("openid_configuration", "").strip()
    token = request.args.get("registration_token", "").strip()
    registrar = Registrar(outbound_client(), tool_urls())
    status = deployment_status(current_app.config["UNKNOWN_DEPLOYMENT"])
    try:
        reg = registrar.register(config_url, token, status)
        db.session.commit()
    except RegistrationFailed as exc:
        db.session.rollback()
        event(
            "registration.refused",
            logging.WARNING,
            step=exc.step,
            status=exc.status,
            config_host=_origin(config_url) or None,
        )
        html = render_template(
            "setup/register_failed.html", failure=exc, config_url=config_url
        )
        return html, exc.status
    deployments = list(reg.deployments)
    event(
        "registration.created",
        registration=reg.id,
        issuer=reg.issuer,
        client_id=reg.client_id,
        deployments=",".join(d.deployment_id for d in deployments) or None,
    )
    html = render_template(
        "setup/registered.html",
        registration=reg,
        deployments=deployments,
        unknown_deployment=current_app.config["UNKNOWN_DEPLOYMENT"],
    )
    return Response(html)


@bp.get("/lti/config.json")
def canvas_config() -> Response:
    """The developer-key JSON Canvas reads from "Enter URL" or "Paste JSON"."""
    response = jsonify(tool.canvas_developer_key(tool_urls()))
    response.headers["Cache-Control"] = "no-cache"
    return response
