"""Admin accounts, sign-in, CSRF, and approving recorded deployments."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from lti_tool.admin_cli import admin as admin_group
from lti_tool.db import db
from lti_tool.models import AdminUser, Deployment
from lti_tool.vocab import Claim
from tests.platform_fake import DEPLOYMENT_ID

PASSWORD = "correct horse battery"


def cli(app, *args, input=None):
    runner = CliRunner()
    return runner.invoke(
        admin_group, list(args), input=input, obj=ScriptInfo(create_app=lambda: app)
    )


@pytest.fixture
def admin_account(app):
    result = cli(app, "create", "Alice", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return "alice"


def csrf_token(client, path="/admin/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client, username="alice", password=PASSWORD, token=None):
    token = csrf_token(client) if token is None else token
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token
    return client.post("/admin/login", data=data)


def use_pending_policy(app):
    policy = app.extensions["pathmark"].policy
    app.extensions["pathmark"].policy = type(policy)(
        leeway=policy.leeway,
        state_max_age=policy.state_max_age,
        unknown_deployment="pending",
    )


def deployment(app, deployment_id):
    with app.app_context():
        return db.session.scalar(
            db.select(Deployment).where(Deployment.deployment_id == deployment_id)
        )


# -- CLI ------------------------------------------------------------------


def test_create_stores_only_a_hash(app, admin_account):
    with app.app_context():
        account = db.session.scalar(db.select(AdminUser))
    assert account.username == "alice"
    assert PASSWORD not in account.password_hash
    assert account.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_create_refuses_short_password_and_duplicates(app, admin_account):
    short = cli(app, "create", "bob", "--password-stdin", input="short\n")
    assert short.exit_code != 0
    assert "at least 12 characters" in short.output
    again = cli(app, "create", "ALICE", "--password-stdin", input=PASSWORD + "\n")
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_create_prompts_twice_without_stdin(app):
    result = cli(app, "create", "carol", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    listed = cli(app, "list")
    assert "carol\tactive\tnever signed in" in listed.output


# -- sign-in ----------------------------------------------------------------


def test_sign_in_and_see_the_admin_page(client, admin_account, platform):
    response = sign_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Signed in as <strong>alice</strong>" in html
    assert "http://localhost/lti/register" in html
    assert "http://localhost/lti/jwks" in html
    assert "http://localhost/lti/config.json" in html
    assert "https://lms.example.edu" in html  # the registration
    assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert page.headers["Cache-Control"] == "no-store"


def test_wrong_password_is_refused(client, admin_account):
    response = sign_in(client, password="not the password")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_unknown_user_gets_the_same_answer(client, admin_account):
    response = sign_in(client, username="mallory")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(client, admin_account):
    response = sign_in(client, token="")
    assert response.status_code == 400
    assert "did not come from Pathmark" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_repeated_wrong_passwords_lock_the_account(app, client, admin_account):
    from lti_tool.admin_access import MAX_FAILED_SIGN_INS

    token = csrf_token(client)
    for _ in range(MAX_FAILED_SIGN_INS):
        response = sign_in(client, password="guess guess guess", token=token)
        assert response.status_code == 401
    # Now even the right password is refused, for a while.
    locked = sign_in(client, token=token)
    assert locked.status_code == 401
    assert "locks for 15 minutes" in locked.get_data(as_text=True)
    assert "locked until" in cli(app, "list").output
    # A new password set on the server unlocks it.
    new = "a brand new long password"
    assert (
        cli(app, "password", "alice", "--password-stdin", input=new + "\n").exit_code
        == 0
    )
    assert sign_in(client, password=new, token=token).status_code == 302


def test_lock_ends_after_its_time(app, admin_account):
    from datetime import timedelta

    from lti_tool import admin_access
    from lti_tool.db import utcnow

    with app.app_context():
        start = utcnow()
        for _ in range(admin_access.MAX_FAILED_SIGN_INS):
            with pytest.raises(admin_access.SignInFailed):
                admin_access.sign_in("alice", "wrong wrong wrong", now=start)
        with pytest.raises(admin_access.SignInFailed, match="locked"):
            admin_access.sign_in("alice", PASSWORD, now=start + timedelta(minutes=14))
        later = start + admin_access.LOCK_TIME + timedelta(seconds=1)
        assert admin_access.sign_in("alice", PASSWORD, now=later).username == "alice"


def test_a_right_password_resets_the_count(app, admin_account):
    from lti_tool import admin_access

    with app.app_context():
        for _ in range(admin_access.MAX_FAILED_SIGN_INS - 1):
            with pytest.raises(admin_access.SignInFailed):
                admin_access.sign_in("alice", "wrong wrong wrong")
        assert admin_access.sign_in("alice", PASSWORD).failed_sign_ins == 0
        with pytest.raises(admin_access.SignInFailed, match="wrong password"):
            admin_access.sign_in("alice", "wrong wrong wrong")


def test_disabled_account_cannot_sign_in(app, client, admin_account):
    assert cli(app, "disable", "alice").exit_code == 0
    assert sign_in(client).status_code == 401


def test_next_never_leaves_the_site(client, admin_account):
    token = csrf_token(client)
    response = client.post(
        "/admin/login?next=https://evil.example/admin",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/admin/"


# -- who is not an admin ---------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_anonymous_post_is_refused(app, client, platform):
    dep_id = deployment(app, DEPLOYMENT_ID).id
    response = client.post(f"/admin/deployments/{dep_id}/remove")
    assert response.status_code == 401
    assert deployment(app, DEPLOYMENT_ID) is not None


def test_launched_learner_is_not_an_admin(client, platform):
    response, _, _ = platform.launch(client)
    activity = response.headers["Location"]
    assert client.get(activity).status_code == 200
    token = activity.split("lt=", 1)[1]
    admin_page = client.get(f"/admin/?lt={token}")
    assert admin_page.status_code == 302
    assert "/admin/login" in admin_page.headers["Location"]


def test_disabling_ends_an_open_session(app, client, admin_account):
    sign_in(client)
    assert client.get("/admin/").status_code == 200
    assert cli(app, "disable", "alice").exit_code == 0
    assert client.get("/admin/").status_code == 302


def test_new_password_ends_older_sessions(app, client, admin_account):
    sign_in(client)
    new = "another long password"
    changed = cli(app, "password", "alice", "--password-stdin", input=new + "\n")
    assert changed.exit_code == 0
    assert client.get("/admin/").status_code == 302
    assert sign_in(client, password=new).status_code == 302


# -- deployments awaiting approval ------------------------------------------


def test_recorded_deployment_is_approved_then_launches(
    app, client, platform, admin_account
):
    use_pending_policy(app)
    refused, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-77"})
    assert refused.status_code == 403
    assert deployment(app, "course-77").status == Deployment.PENDING

    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "course-77" in page
    assert "pending_deployment" in page  # the recent refusal, with its reason
    dep_id = deployment(app, "course-77").id
    token = csrf_token(client, "/admin/")
    approved = client.post(
        f"/admin/deployments/{dep_id}/approve", data={"csrf_token": token}
    )
    assert approved.status_code == 302
    assert deployment(app, "course-77").status == Deployment.ACTIVE

    launched, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-77"})
    assert launched.status_code == 303


def test_approve_without_csrf_token_changes_nothing(
    app, client, platform, admin_account
):
    use_pending_policy(app)
    platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-78"})
    sign_in(client)
    dep_id = deployment(app, "course-78").id
    response = client.post(f"/admin/deployments/{dep_id}/approve")
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert deployment(app, "course-78").status == Deployment.PENDING


def test_remove_pending_deployment(app, client, platform, admin_account):
    use_pending_policy(app)
    platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-79"})
    sign_in(client)
    dep_id = deployment(app, "course-79").id
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/deployments/{dep_id}/remove", data={"csrf_token": token})
    assert deployment(app, "course-79") is None
    assert deployment(app, DEPLOYMENT_ID) is not None


def test_remove_registration(app, client, platform, admin_account):
    sign_in(client)
    reg_id = deployment(app, DEPLOYMENT_ID).registration_id
    token = csrf_token(client, "/admin/")
    response = client.post(
        f"/admin/registrations/{reg_id}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert deployment(app, DEPLOYMENT_ID) is None
    assert "No LMS is registered yet" in client.get("/admin/").get_data(as_text=True)


def test_sign_out_needs_csrf_and_ends_session(client, admin_account):
    sign_in(client)
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/")
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/").status_code == 302


def test_add_deployment_by_hand(app, client, platform, admin_account):
    sign_in(client)
    reg_id = deployment(app, DEPLOYMENT_ID).registration_id
    token = csrf_token(client, "/admin/")
    client.post(
        f"/admin/registrations/{reg_id}/deployments",
        data={"csrf_token": token, "deployment_id": " 189:abc "},
    )
    assert deployment(app, "189:abc").status == Deployment.ACTIVE
    launched, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "189:abc"})
    assert launched.status_code == 303


def test_add_deployment_without_csrf_token(app, client, platform, admin_account):
    sign_in(client)
    reg_id = deployment(app, DEPLOYMENT_ID).registration_id
    response = client.post(
        f"/admin/registrations/{reg_id}/deployments", data={"deployment_id": "x"}
    )
    assert response.status_code == 400
    assert deployment(app, "x") is None
