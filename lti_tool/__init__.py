"""Pathmark: an LTI 1.3 tool for evidence-based micro-credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from lti_tool.config import (
    PROJECT_ROOT,
    instance_secret_key,
    load_settings,
    resolve_path,
)
from lti_tool.cookie_session import LazyCookieSessionInterface


def create_app(settings: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, services, then each area of pages."""
    config = load_settings(overrides=settings)
    instance_path = (
        str(resolve_path(config["INSTANCE_PATH"]))
        if config["INSTANCE_PATH"]
        else str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config)
    app.url_map.converters["int"] = _RowId
    app.session_interface = LazyCookieSessionInterface()
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # Several hosts must share one secret: set PATHMARK_SECRET_KEY there.
    app.config["SECRET_KEY"] = config["SECRET_KEY"] or instance_secret_key(
        Path(app.instance_path)
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"] or (
        "sqlite:///" + str(Path(app.instance_path) / "pathmark.db")
    )
    # A server can drop idle connections; an SQLite file cannot, and a ping
    # per request there is pure cost.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    }
    app.config["SESSION_COOKIE_SECURE"] = config["BASE_URL"].startswith("https://")
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PREFERRED_URL_SCHEME"] = config["BASE_URL"].split(":", 1)[0]

    hops = config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    from lti_tool import events

    events.configure(config["LOG_LEVEL"])

    from lti_tool import body_limits

    body_limits.init_app(app)

    from lti_tool.db import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))

    from lti_tool.services import build_services

    app.extensions["pathmark"] = build_services(app)

    from lti_tool import grading

    grading.init_app(app)

    from lti_tool import (
        assessment_pages,
        authoring,
        calibration_pages,
        comment_bank_pages,
        deep_linking,
        errors,
        evidence_views,
        feedback_check_pages,
        gradebook_comment,
        grading_views,
        guide_pages,
        health,
        launch,
        launch_context,
        media,
        pages,
        receipt_views,
        upload_views,
    )

    app.register_blueprint(launch.bp)
    app.register_blueprint(deep_linking.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(authoring.bp)
    app.register_blueprint(assessment_pages.bp)
    app.register_blueprint(feedback_check_pages.bp)
    app.register_blueprint(guide_pages.bp)
    app.register_blueprint(comment_bank_pages.bp)
    app.register_blueprint(calibration_pages.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(evidence_views.bp)
    app.register_blueprint(upload_views.bp)
    app.register_blueprint(receipt_views.bp)
    evidence_views.init_app(app)
    media.init_app(app)
    app.register_blueprint(grading_views.bp)
    app.register_blueprint(gradebook_comment.bp)

    from lti_tool import admin, admin_entry, setup_pages

    app.register_blueprint(setup_pages.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_entry.bp)

    from lti_tool.badges import issuance as badge_issuance
    from lti_tool.badges import staff as badge_staff
    from lti_tool.badges import views as badge_views

    badge_issuance.init_app(app)
    app.register_blueprint(badge_views.bp)
    app.register_blueprint(badge_staff.bp)
    errors.init_app(app)
    launch_context.init_app(app)

    from lti_tool import rubric_view

    # templates/_rubric.html draws any rubric source through this view.
    app.add_template_filter(rubric_view.view_of, "rubric_view")

    return app


class _RowId(IntegerConverter):
    """``<int:...>`` in every route, capped at the largest database integer.

    A larger number in a URL is simply not found (404) instead of
    overflowing the database driver (a 500).
    """

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)
