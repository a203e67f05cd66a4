"""Refusals and errors as pages a person can act on: never a stack trace."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import LaunchRefusal
from lti_tool.refusals import LaunchRefused, Reason


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
    )
    return Response(html, status=advice.status)


def _remember(refusal: LaunchRefused) -> None:
    """Keep the refusal for the admin's list; never let this fail the page."""
    try:
        db.session.rollback()
        db.session.add(
            LaunchRefusal(
                reason=refusal.reason.value,
                issuer=refusal.issuer[:1000],
                client_id=refusal.client_id[:1000],
                deployment_id=refusal.deployment_id[:1000],
                detail=refusal.detail[:1000],
            )
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 - the refusal page matters more
        db.session.rollback()
        event("launch.refusal_not_recorded", logging.ERROR, reason=refusal.reason)


def init_app(app: Flask) -> None:
    app.register_error_handler(LaunchRefused, refusal_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        html = render_template(
            "error.html",
            title=exc.name,
            action=exc.description or "",
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
