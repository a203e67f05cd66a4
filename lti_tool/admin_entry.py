"""Entering the admin pages without a password: a launch ticket, a set-up link.

``/admin/enter`` redeems the ticket on an LMS administrator's launch page
and starts an admin session reaching that launch's registration.
``/admin/bootstrap`` is the first set-up: the link ``lti-tool init`` printed
creates the first admin account, once. See ``admin_tickets`` for the rules.
"""

from __future__ import annotations

import logging
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lti_tool import admin, admin_access, admin_tickets
from lti_tool.admin_tickets import AdminTickets, EntryRefused
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import Launch
from lti_tool.roles import is_platform_admin
from lti_tool.vocab import Claim

bp = Blueprint("admin_entry", __name__, url_prefix="/admin")

TICKET_PARAM = "ticket"


class BootstrapForm(FlaskForm):
    code = HiddenField(validators=[DataRequired(), Length(max=200)])
    username = StringField("User name", validators=[DataRequired(), Length(max=150)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=512)])
    confirm = PasswordField(
        "Password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )


def tickets() -> AdminTickets:
    cfg = current_app.config
    return AdminTickets(
        cfg["SECRET_KEY"], cfg["ADMIN_TICKET_MAX_AGE"], cfg["ADMIN_SESSION_MAX_AGE"]
    )


def entry_url(launch: Launch) -> str | None:
    """The "Open Pathmark administration" link for an administrator's launch."""
    if not is_platform_admin(launch.claims.get(Claim.ROLES)):
        return None  # most launches: no signing work at all
    ticket = tickets().issue(launch)
    if ticket is None:
        return None
    event(
        "admin.ticket_issued",
        launch=launch.id,
        registration=launch.registration_id,
    )
    return url_for("admin_entry.enter", **{TICKET_PARAM: ticket})


@bp.after_request
def no_framing(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(exc: EntryRefused) -> Response:
    event("admin.entry_refused", logging.WARNING, path=request.path, why=exc.why)
    html = render_template(
        "error.html",
        title=exc.title,
        action=exc.action,
        shown="",
        reason=exc.why,
        status=exc.status,
    )
    return Response(html, status=exc.status)


@bp.get("/enter")
def enter() -> Response:
    """Redeem a launch ticket: a first-party admin session, then the admin page."""
    try:
        row = tickets().redeem(request.args.get(TICKET_PARAM, ""))
    except EntryRefused as exc:
        return _refused(exc)
    db.session.commit()
    session.clear()
    session[admin.SESSION_LAUNCH_ADMIN] = row.id
    event(
        "admin.session_started",
        admin_session=row.id,
        registration=row.registration_id,
        person=row.person_id,
        launch=row.launch_id,
    )
    return redirect(url_for("admin.index"), code=303)


@bp.route("/bootstrap", methods=["GET", "POST"])
def bootstrap() -> Response | str:
    """The first set-up: create the first admin account with the one-time code."""
    form = BootstrapForm()
    code = request.args.get("code", "") if request.method == "GET" else form.code.data
    try:
        admin_tickets.check_bootstrap(code or "")
    except EntryRefused as exc:
        return _refused(exc)
    if request.method == "GET":
        form.code.data = code
        return render_template("admin/bootstrap.html", form=form, error=None)

    if not form.validate_on_submit():
        error = "Fill in every field; both passwords must match."
        if form.csrf_token.errors:
            error = admin.CSRF_ADVICE
        elif form.confirm.errors:
            error = form.confirm.errors[0]
        return render_template("admin/bootstrap.html", form=form, error=error), 400
    try:
        account = admin_tickets.use_bootstrap(
            code or "", form.username.data or "", form.password.data or ""
        )
    except EntryRefused as exc:
        return _refused(exc)
    except admin_access.AdminError as exc:
        db.session.rollback()  # the code stays unused
        return render_template("admin/bootstrap.html", form=form, error=str(exc)), 400
    db.session.commit()
    session.clear()
    session[admin.SESSION_ADMIN] = account.id
    session[admin.SESSION_VERSION] = account.session_version
    session[admin.SESSION_SINCE] = int(time.time())
    event("admin.bootstrap_used", admin=account.id)
    return redirect(url_for("admin.index"), code=303)
