"""Admin pages: sign in, registrations, deployments to approve, set-up values.

Opened directly in a browser (never inside an LMS frame), by accounts made
with ``lti-tool admin create`` or by LMS administrators arriving from a
launch (``admin_entry``), who see and change only their own registration.
Every form carries a Flask-WTF CSRF token; the session cookie names the
admin and the account's session version, so a new password or a disabled
account ends older sessions.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lti_tool import admin_access, admin_tickets, registration
from lti_tool import tool_configuration as tool
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import Deployment, LaunchRefusal, Registration
from lti_tool.services import services

bp = Blueprint("admin", __name__, url_prefix="/admin")

SESSION_ADMIN = "admin_id"
SESSION_VERSION = "admin_v"
SESSION_LAUNCH_ADMIN = "admin_launch_session"
# When a password admin signed in (Unix seconds, in the signed cookie).
SESSION_SINCE = "admin_since"
RECENT_REFUSALS = 25
CSRF_ADVICE = (
    "This form expired or did not come from Pathmark's admin page. Reload the "
    "page and try again."
)


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=150)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=512)])


class ActionForm(FlaskForm):
    """A button: no fields but the CSRF token."""


class DeploymentForm(FlaskForm):
    deployment_id = StringField(
        "Deployment ID", validators=[DataRequired(), Length(max=255)]
    )


@bp.after_request
def no_framing(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_request
def require_admin() -> Response | None:
    g.admin = admin_access.signed_in(
        session.get(SESSION_ADMIN),
        session.get(SESSION_VERSION),
        session.get(SESSION_LAUNCH_ADMIN),
        session.get(SESSION_SINCE),
        current_app.config["ADMIN_PASSWORD_SESSION_MAX_AGE"],
    )
    if g.admin is None and request.endpoint != "admin.sign_in":
        if SESSION_ADMIN in session or SESSION_LAUNCH_ADMIN in session:
            session.clear()
        if request.method != "GET":
            return _refuse(401, "Sign in again", "Your admin session has ended.")
        return redirect(url_for("admin.sign_in", next=request.full_path))
    return None


def _refuse(status: int, title: str, action: str) -> Response:
    html = render_template(
        "error.html", title=title, action=action, shown="", reason=None, status=status
    )
    return Response(html, status=status)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another origin."""
    if not target:
        return url_for("admin.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/admin"):
        return url_for("admin.index")
    return target.rstrip("?")


@bp.route("/login", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        return render_template("admin/login.html", form=form, error=None)
    if not form.validate_on_submit():
        error = "Enter your user name and password."
        if form.csrf_token.errors:
            event("admin.csrf_refused", logging.WARNING, path=request.path)
            error = CSRF_ADVICE
        return render_template("admin/login.html", form=form, error=error), 400
    try:
        admin = admin_access.sign_in(form.username.data or "", form.password.data or "")
    except admin_access.SignInFailed as exc:
        db.session.commit()  # the failure counts towards the account's lock
        event("admin.sign_in_failed", logging.WARNING, why=str(exc))
        error = (
            "Wrong user name or password, or the account is disabled or locked "
            f"(after {admin_access.MAX_FAILED_SIGN_INS} wrong passwords in a row "
            f"an account locks for {admin_access.LOCK_TIME.seconds // 60} minutes; "
            "`lti-tool admin password` on the server unlocks it)."
        )
        return render_template("admin/login.html", form=form, error=error), 401
    db.session.commit()
    session.clear()
    session[SESSION_ADMIN] = admin.id
    session[SESSION_VERSION] = admin.session_version
    session[SESSION_SINCE] = int(time.time())
    event("admin.signed_in", admin=admin.id)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def sign_out():
    if not ActionForm().validate_on_submit():
        return _refuse(400, "Form expired", CSRF_ADVICE)
    event("admin.signed_out", **g.admin.log_ids)
    if g.admin.launch_session is not None:
        admin_tickets.end_session(g.admin.launch_session)
        db.session.commit()
    session.clear()
    return redirect(url_for("admin.sign_in"))


@bp.get("/")
def index():
    regs_query = select(Registration).order_by(
        Registration.issuer, Registration.client_id
    )
    pending_query = (
        select(Deployment)
        .where(Deployment.status == Deployment.PENDING)
        .order_by(Deployment.created_at)
    )
    refusals_query = (
        select(LaunchRefusal)
        .order_by(LaunchRefusal.created_at.desc())
        .limit(RECENT_REFUSALS)
    )
    scope = g.admin.registration_id
    if scope is not None:
        # An LMS administrator sees their own registration and its refusals.
        own = db.session.get(Registration, scope)
        regs_query = regs_query.where(Registration.id == scope)
        pending_query = pending_query.where(Deployment.registration_id == scope)
        refusals_query = refusals_query.where(
            LaunchRefusal.issuer == own.issuer,
            LaunchRefusal.client_id == own.client_id,
        )
    regs = list(db.session.scalars(regs_query))
    pending = list(db.session.scalars(pending_query))
    refusals = list(db.session.scalars(refusals_query))
    urls = tool.ToolUrls(current_app.config["BASE_URL"])
    return render_template(
        "admin/index.html",
        admin=g.admin,
        registrations=regs,
        pending=pending,
        refusals=refusals,
        values=tool.manual_values(urls),
        services=tool.SERVICES,
        keys=services().keyring.published(),
        form=ActionForm(),
        deployment_form=DeploymentForm(),
        unknown_deployment=current_app.config["UNKNOWN_DEPLOYMENT"],
    )


def _deployment(dep_id: int) -> Deployment:
    dep = db.session.get(Deployment, dep_id)
    if dep is None or not g.admin.reaches(dep.registration_id):
        raise NotFound("No such deployment; another admin may have removed it.")
    return dep


def _checked() -> Response | None:
    if ActionForm().validate_on_submit():
        return None
    event("admin.csrf_refused", logging.WARNING, path=request.path, **g.admin.log_ids)
    return _refuse(400, "Form expired", CSRF_ADVICE)


@bp.post("/deployments/<int:dep_id>/approve")
def approve_deployment(dep_id: int):
    refused = _checked()
    if refused:
        return refused
    dep = _deployment(dep_id)
    dep.status = Deployment.ACTIVE
    db.session.commit()
    event(
        "deployment.approved",
        **g.admin.log_ids,
        registration=dep.registration_id,
        deployment_id=dep.deployment_id,
    )
    return redirect(url_for("admin.index"))


@bp.post("/deployments/<int:dep_id>/remove")
def remove_deployment(dep_id: int):
    refused = _checked()
    if refused:
        return refused
    dep = _deployment(dep_id)
    reg_id, deployment_id = dep.registration_id, dep.deployment_id
    db.session.delete(dep)
    db.session.commit()
    event(
        "deployment.removed",
        **g.admin.log_ids,
        registration=reg_id,
        deployment_id=deployment_id,
    )
    return redirect(url_for("admin.index"))


@bp.post("/registrations/<int:reg_id>/deployments")
def add_deployment(reg_id: int):
    form = DeploymentForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return _refuse(400, "Form expired", CSRF_ADVICE)
        return _refuse(400, "Deployment ID missing", "Enter the deployment ID.")
    reg = db.session.get(Registration, reg_id)
    if reg is None or not g.admin.reaches(reg.id):
        raise NotFound("No such registration; another admin may have removed it.")
    deployment_id = (form.deployment_id.data or "").strip()
    registration.add_deployment(reg, deployment_id, Deployment.ACTIVE)
    db.session.commit()
    event(
        "deployment.added",
        **g.admin.log_ids,
        registration=reg.id,
        deployment_id=deployment_id,
    )
    return redirect(url_for("admin.index"))


@bp.post("/registrations/<int:reg_id>/trust")
def trust_registration(reg_id: int):
    """Give (or take back) tool-wide catalogue editing to a registration's
    LMS administrators; only a password admin may, never an LMS's own."""
    refused = _checked()
    if refused:
        return refused
    if g.admin.registration_id is not None:
        return _refuse(
            403,
            "Password admins only",
            "Only a Pathmark password admin can trust a registration.",
        )
    reg = db.session.get(Registration, reg_id)
    if reg is None:
        raise NotFound("No such registration; another admin may have removed it.")
    reg.trusted = request.form.get("trusted") == "1"
    db.session.commit()
    event(
        "registration.trusted" if reg.trusted else "registration.untrusted",
        registration=reg.id,
        **g.admin.log_ids,
    )
    return redirect(url_for("admin.index"))


@bp.post("/registrations/<int:reg_id>/remove")
def remove_registration(reg_id: int):
    refused = _checked()
    if refused:
        return refused
    reg = db.session.get(Registration, reg_id)
    if reg is None or not g.admin.reaches(reg.id):
        raise NotFound("No such registration; another admin may have removed it.")
    issuer, client_id = reg.issuer, reg.client_id
    db.session.delete(reg)
    db.session.commit()
    event("registration.removed", issuer=issuer, client_id=client_id, **g.admin.log_ids)
    return redirect(url_for("admin.index"))
