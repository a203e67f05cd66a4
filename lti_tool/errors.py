"""Refusals and errors as pages a person can act on: never a stack trace."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, current_app, render_template, request
from sqlalchemy import delete
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import LaunchRefusal
from lti_tool.refusals import LaunchRefused, Reason
from lti_tool.typed_work import TypedField, typed_fields


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


LOGGED_CHARS = 255


def refusal_response(refusal: LaunchRefused) -> Response:
    advice = refusal.advice
    event(
        "launch.refused" if request.path.startswith("/lti/") else "request.refused",
        logging.WARNING,
        reason=refusal.reason.value,
        status=advice.status,
        path=request.path,
        # Echoed as they arrived, often before any signature is checked:
        # capped, so one request cannot write an arbitrarily long line.
        issuer=refusal.issuer[:LOGGED_CHARS] or None,
        client_id=refusal.client_id[:LOGGED_CHARS] or None,
        deployment_id=refusal.deployment_id[:LOGGED_CHARS] or None,
        detail=refusal.detail[:LOGGED_CHARS] or None,
    )
    if refusal.reason is not Reason.SESSION_EXPIRED:
        _remember(refusal)
    if _wants_json():
        body = {
            "error": refusal.reason.value,
            "title": advice.title,
            "action": advice.action,
        }
        if refusal.shown:
            body["detail"] = refusal.shown
        return Response(
            json.dumps(body), status=advice.status, mimetype="application/json"
        )
    html = render_template(
        "error.html",
        title=advice.title,
        action=advice.action,
        shown=refusal.shown,
        reason=refusal.reason.value,
        status=advice.status,
        typed=_typed_back(refusal),
    )
    return Response(html, status=advice.status)


def _typed_back(refusal: LaunchRefused) -> list[TypedField]:
    """What the person typed, when the form came after their session ended."""
    if refusal.reason is not Reason.SESSION_EXPIRED or request.method != "POST":
        return []
    if request.mimetype != "application/x-www-form-urlencoded":
        return []  # typed work comes from plain forms; a body is not read
    view = current_app.view_functions.get(request.endpoint or "")
    return typed_fields(view, request.form)


# Refusals kept for the admin's list. Anyone can cause one, so the table is
# trimmed to the newest rows (checked every PRUNE_EVERY refusals).
KEEP_REFUSALS = 10_000
PRUNE_EVERY = 100


def _remember(refusal: LaunchRefused) -> None:
    """Keep the refusal for the admin's list; never let this fail the page."""
    try:
        db.session.rollback()
        row = LaunchRefusal(
            reason=refusal.reason.value,
            issuer=refusal.issuer[:1000],
            client_id=refusal.client_id[:1000],
            deployment_id=refusal.deployment_id[:1000],
            detail=refusal.detail[:1000],
        )
        db.session.add(row)
        db.session.commit()
        if row.id % PRUNE_EVERY == 0:
            db.session.execute(
                delete(LaunchRefusal).where(LaunchRefusal.id <= row.id - KEEP_REFUSALS)
            )
            db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal page matters more
        db.session.rollback()
        event("launch.refusal_not_recorded", logging.ERROR, reason=refusal.reason)


def init_app(app: Flask) -> None:
    app.register_error_handler(LaunchRefused, refusal_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        action = exc.description or ""
        if exc.code == 413 and action == RequestEntityTooLarge.description:
            action = (
                "This request is larger than Pathmark accepts here. Nothing "
                "was saved; shorten what you sent and try again."
            )
        if request.headers.get("X-Requested-With") == "pathmark":
            body = {"error": f"http_{exc.code}", "message": action}
            return Response(
                json.dumps(body), status=exc.code or 500, mimetype="application/json"
            )
        html = render_template(
            "error.html",
            title=exc.name,
            action=action,
            shown="",
            reason=None,
            status=exc.code,
        )
        return Response(html, status=exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        event(
            "request.failed", logging.ERROR, path=request.path, error=type(exc).__name__
        )
        html = render_template(
            "error.html",
            title="Something went wrong in Pathmark",
            action="Nothing you sent was lost. Try again in a moment; if it "
            "keeps happening, tell your teacher or LMS administrator.",
            shown="",
            reason="internal",
            status=500,
        )
        return Response(html, status=500)
