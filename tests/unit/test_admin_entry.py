"""LMS administrators reach the admin pages from a launch, through a ticket."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import itsdangerous.timed
import pytest
from itsdangerous import URLSafeTimedSerializer

from lti_tool.db import db, utcnow
from lti_tool.models import AdminLaunchSession, Deployment, Launch, Registration
from lti_tool.vocab import INSTITUTION, SYSTEM, Claim, ContextRole
from tests.platform_fake import DEPLOYMENT_ID, FakePlatform

LINK_TEXT = "Open Pathmark administration"
MOODLE_ADMIN = [f"{INSTITUTION}#Administrator", ContextRole.INSTRUCTOR.value]


def launch_page(client, platform, roles):
    """Launch with these roles; the activity page's HTML and status."""
    response, _, _ = platform.launch(client, **{Claim.ROLES: roles})
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"])
    return page.get_data(as_text=True), page.status_code


def admin_link(html: str) -> str:
    match = re.search(r'href="(/admin/enter\?ticket=[^"]+)"[^>]*data-admin-link', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")


def sessions(app) -> list[AdminLaunchSession]:
    with app.app_context():
        return list(db.session.scalars(db.select(AdminLaunchSession)))


@pytest.fixture
def entry(app, client, platform):
    """The administration link from a Moodle-like site admin's launch."""
    html, status = launch_page(client, platform, MOODLE_ADMIN)
    assert status == 200
    return admin_link(html)


def test_admin_launch_shows_a_link_that_opens_the_admin_pages(
    app, client, entry, caplog
):
    caplog.set_level(logging.INFO, logger="pathmark")
    window = app.test_client()  # the new window: no cookies from the frame
    opened = window.get(entry)
    assert opened.status_code == 303
    assert opened.headers["Location"] == "/admin/"
    assert opened.headers["Content-Security-Policy"] == "frame-ancestors 'none'"

    page = window.get("/admin/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ana Łukasiewicz (administrator of" in html
    assert "https://lms.example.edu" in html
    assert "http://localhost/lti/register" in html

    [row] = sessions(app)
    with app.app_context():
        launch = db.session.scalar(db.select(Launch))
        assert (row.registration_id, row.launch_id) == (
            launch.registration_id,
            launch.id,
        )
    started = [
        r.message for r in caplog.records if "admin.session_started" in r.message
    ]
    assert started == [
        f"event=admin.session_started admin_session={row.id} "
        f"registration={row.registration_id} person={row.person_id} "
        f"launch={row.launch_id}"
    ]
    assert "ticket=" not in caplog.text  # the ticket itself is never logged


@pytest.mark.parametrize(
    "roles",
    [
        [f"{SYSTEM}#Administrator"],
        [f"{SYSTEM}#SysAdmin", ContextRole.LEARNER.value],
        [f"{INSTITUTION}#Administrator"],
        ["urn:lti:sysrole:ims/lis/Administrator"],
        ["urn:lti:instrole:ims/lis/Administrator", ContextRole.INSTRUCTOR.value],
    ],
)
def test_every_platform_admin_role_gets_the_link(client, platform, roles):
    html, status = launch_page(client, platform, roles)
    assert status == 200  # also without a course role
    assert LINK_TEXT in html


@pytest.mark.parametrize(
    "roles",
    [
        [ContextRole.LEARNER.value],
        [ContextRole.INSTRUCTOR.value],
        [ContextRole.ADMINISTRATOR.value, ContextRole.INSTRUCTOR.value],
        ["Administrator", "Instructor"],
        [f"{INSTITUTION}#Instructor", f"{SYSTEM}#User"],
    ],
)
def test_course_roles_never_give_the_link(client, platform, roles):
    html, _ = launch_page(client, platform, roles)
    assert LINK_TEXT not in html
    assert "/admin/enter" not in html


def test_a_replayed_ticket_is_refused(app, client, entry):
    assert app.test_client().get(entry).status_code == 303
    again = app.test_client().get(entry)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    assert len(sessions(app)) == 1


def test_an_expired_ticket_is_refused(app, entry, monkeypatch):
    later = itsdangerous.timed.time.time() + app.config["ADMIN_TICKET_MAX_AGE"] + 5

    class _Later:
        @staticmethod
        def time():
            return later

    monkeypatch.setattr(itsdangerous.timed, "time", _Later)
    window = app.test_client()
    response = window.get(entry)
    assert response.status_code == 410
    assert "has expired" in response.get_data(as_text=True)
    assert sessions(app) == []
    assert window.get("/admin/").status_code == 302


def test_forged_tickets_are_refused(app, client, platform, entry):
    window = app.test_client()
    tampered = entry[:-3] + ("AAA" if not entry.endswith("AAA") else "BBB")
    assert window.get(tampered).status_code == 403
    assert window.get("/admin/enter?ticket=").status_code == 403
    assert window.get("/admin/enter").status_code == 403

    # Signed with another secret, for the admin's own launch.
    with app.app_context():
        launch = db.session.scalar(db.select(Launch))
        body = {"t": "x" * 32, "l": launch.id, "r": launch.registration_id}
    other = URLSafeTimedSerializer("not the secret", salt="pathmark-admin-ticket")
    forged = window.get(f"/admin/enter?ticket={other.dumps(body)}")
    assert forged.status_code == 403
    assert "not valid" in forged.get_data(as_text=True)
    assert sessions(app) == []
    assert window.get("/admin/").status_code == 302


def test_a_well_signed_ticket_for_a_learner_opens_nothing(app, client, platform):
    """Even with the app's secret, a launch without the admin role is refused."""
    launch_page(client, platform, [ContextRole.LEARNER.value])
    with app.app_context():
        launch = db.session.scalar(db.select(Launch))
        body = {"t": "y" * 32, "l": launch.id, "r": launch.registration_id}
    signer = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="pathmark-admin-ticket"
    )
    response = app.test_client().get(f"/admin/enter?ticket={signer.dumps(body)}")
    assert response.status_code == 403
    assert "administrator role" in response.get_data(as_text=True)
    # A ticket naming another registration than its launch's: refused too.
    body["r"] += 1
    other = app.test_client().get(f"/admin/enter?ticket={signer.dumps(body)}")
    assert other.status_code == 403
    assert sessions(app) == []


def test_launch_admin_reaches_only_their_registration(app, client, platform, entry):
    canvas = FakePlatform(
        app, issuer="https://canvas.example.com", client_id="10000000000001"
    )
    canvas.register(deployments=("189:other",))
    window = app.test_client()
    window.get(entry)
    html = window.get("/admin/").get_data(as_text=True)
    assert "https://lms.example.edu" in html
    assert "canvas.example.com" not in html

    with app.app_context():
        other = db.session.scalar(
            db.select(Registration).where(Registration.issuer == canvas.issuer)
        )
        other_id = other.id
        other_dep = other.deployments[0].id
        own_id = db.session.scalar(db.select(Launch)).registration_id
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    removed = window.post(
        f"/admin/registrations/{other_id}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 404
    gone = window.post(
        f"/admin/deployments/{other_dep}/remove", data={"csrf_token": token}
    )
    assert gone.status_code == 404
    with app.app_context():
        assert db.session.get(Registration, other_id) is not None

    added = window.post(
        f"/admin/registrations/{own_id}/deployments",
        data={"csrf_token": token, "deployment_id": "course-9"},
    )
    assert added.status_code == 302
    with app.app_context():
        dep = db.session.scalar(
            db.select(Deployment).where(Deployment.deployment_id == "course-9")
        )
        assert dep.registration_id == own_id


def test_sign_out_and_expiry_end_a_launch_session(app, client, platform):
    html, _ = launch_page(client, platform, MOODLE_ADMIN)
    window = app.test_client()
    window.get(admin_link(html))
    page = window.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    window.post("/admin/logout", data={"csrf_token": token.group(1)})
    assert window.get("/admin/").status_code == 302
    assert sessions(app)[0].ended_at is not None

    # A second session, then its time runs out.
    html, _ = launch_page(client, platform, MOODLE_ADMIN)
    later = app.test_client()
    later.get(admin_link(html))
    assert later.get("/admin/").status_code == 200
    with app.app_context():
        row = db.session.scalar(
            db.select(AdminLaunchSession).where(AdminLaunchSession.ended_at.is_(None))
        )
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert later.get("/admin/").status_code == 302


def test_removing_the_registration_ends_its_admin_sessions(app, client, entry):
    window = app.test_client()
    window.get(entry)
    assert window.get("/admin/").status_code == 200
    with app.app_context():
        db.session.delete(db.session.scalar(db.select(Registration)))
        db.session.commit()
    assert window.get("/admin/").status_code == 302
    assert sessions(app) == []


def test_password_admins_still_see_every_registration(app, client, platform):
    from tests.unit.test_admin import PASSWORD, cli, sign_in

    FakePlatform(app, issuer="https://canvas.example.com", client_id="c2").register(
        deployments=(DEPLOYMENT_ID,)
    )
    cli(app, "create", "alice", "--password-stdin", input=PASSWORD + "\n")
    sign_in(client)
    html = client.get("/admin/").get_data(as_text=True)
    assert "https://lms.example.edu" in html
    assert "https://canvas.example.com" in html
