"""Admin accounts, approvals and removals, and stored Dynamic Registrations,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lti_tool import admin_access
from lti_tool.db import db
from lti_tool.dynamic_registration import (
    PlatformConfiguration,
    RegistrationFailed,
    store,
)
from lti_tool.models import AdminUser, Deployment, Launch, Registration
from lti_tool.vocab import Claim
from tests.platform_fake import DEPLOYMENT_ID
from tests.unit.test_admin import PASSWORD, csrf_token, sign_in, use_pending_policy

PLATFORM = PlatformConfiguration(
    issuer="https://moodle.school.example",
    authorization_endpoint="https://moodle.school.example/mod/lti/auth.php",
    token_endpoint="https://moodle.school.example/mod/lti/token.php",
    jwks_uri="https://moodle.school.example/mod/lti/certs.php",
    registration_endpoint="https://moodle.school.example/mod/lti/reg.php",
    product_family_code="moodle",
    scopes_supported=None,
    messages_supported=None,
)
ANSWER = {
    "client_id": "moodle-client-9",
    "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": 12},
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_names_are_unique_whatever_their_case(app):
    with app.app_context():
        admin_access.create("Alice", PASSWORD)
        db.session.commit()
        with pytest.raises(admin_access.AdminError):
            admin_access.create("ALICE", PASSWORD)
        db.session.rollback()
        # The database refuses a duplicate even past the check.
        db.session.add(AdminUser(username="alice", password_hash="x"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert count(AdminUser) == 1


def test_session_version_and_disable_persist(app):
    with app.app_context():
        account = admin_access.create("bob", PASSWORD)
        db.session.commit()
        first = (account.id, account.session_version)
        admin_access.disable("bob")
        db.session.commit()
        db.session.expire_all()
        assert admin_access.session_admin(*first) is None
        with pytest.raises(admin_access.SignInFailed):
            admin_access.sign_in("bob", PASSWORD)


def test_stored_registration_and_its_deployment(app):
    with app.app_context():
        reg = store(PLATFORM, ANSWER, Deployment.PENDING)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(Registration, reg.id)
        assert stored.client_id == "moodle-client-9"
        assert stored.name == "Moodle (moodle.school.example)"
        assert [(d.deployment_id, d.status) for d in stored.deployments] == [
            ("12", Deployment.PENDING)
        ]
        with pytest.raises(RegistrationFailed) as again:
            store(PLATFORM, ANSWER, Deployment.ACTIVE)
        assert again.value.status == 409
        db.session.rollback()
        assert count(Registration) == 1


def test_approve_then_remove_registration_with_its_launches(app, client, platform):
    with app.app_context():
        admin_access.create("alice", PASSWORD)
        db.session.commit()
    use_pending_policy(app)
    platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-5"})
    sign_in(client)
    with app.app_context():
        dep = db.session.scalar(
            sa.select(Deployment).where(Deployment.deployment_id == "course-5")
        )
        dep_id, reg_id = dep.id, dep.registration_id
    token = csrf_token(client, "/admin/")
    client.post(f"/admin/deployments/{dep_id}/approve", data={"csrf_token": token})
    launched, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "course-5"})
    assert launched.status_code == 303
    with app.app_context():
        assert count(Launch) == 1

    token = csrf_token(client, "/admin/")
    client.post(f"/admin/registrations/{reg_id}/remove", data={"csrf_token": token})
    with app.app_context():
        assert count(Registration) == 0
        assert count(Deployment) == 0
        assert count(Launch) == 0
    # The same platform cannot even start a login any more.
    refused = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "user-1",
            "target_link_uri": "http://localhost/lti/launch",
            "lti_deployment_id": DEPLOYMENT_ID,
        },
    )
    assert refused.status_code == 404
    assert "unknown_registration" in refused.get_data(as_text=True)
