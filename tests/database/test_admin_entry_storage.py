"""Launch admin sessions and the bootstrap code, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from lti_tool import admin_tickets
from lti_tool.admin_tickets import AdminTickets, EntryRefused
from lti_tool.db import db
from lti_tool.models import AdminBootstrap, AdminLaunchSession, AdminUser, Launch
from lti_tool.vocab import INSTITUTION, Claim
from tests.database.races import race

PASSWORD = "first admin password"


def test_one_ticket_starts_one_session(app, client, platform):
    platform.launch(client, **{Claim.ROLES: [f"{INSTITUTION}#Administrator"]})
    with app.app_context():
        tickets = AdminTickets(app.config["SECRET_KEY"], 300, 3600)
        launch = db.session.scalar(db.select(Launch))
        ticket = tickets.issue(launch)
        first = tickets.redeem(ticket)
        db.session.commit()
        # The unique ticket column refuses the second use in the database.
        with pytest.raises(EntryRefused) as refused:
            tickets.redeem(ticket)
        assert refused.value.why == "used"
        assert db.session.scalars(db.select(AdminLaunchSession.id)).all() == [first.id]


def test_two_posts_of_the_bootstrap_code_at_once_make_one_admin(app):
    with app.app_context():
        code = admin_tickets.issue_bootstrap(3600)
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/admin/bootstrap?code={code}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    forms = [
        {
            "csrf_token": token.group(1),
            "code": code,
            "username": name,
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        for name in ("first", "second")
    ]
    cookies = [client.get_cookie(app.config["SESSION_COOKIE_NAME"])]
    answers = race(
        app,
        [("/admin/bootstrap", form) for form in forms],
        "UPDATE ADMIN_BOOTSTRAP",
        cookies,
    )
    assert sorted(a.status_code for a in answers) == [303, 410]
    with app.app_context():
        assert len(db.session.scalars(db.select(AdminUser)).all()) == 1
        assert db.session.get(AdminBootstrap, 1).used_at is not None
