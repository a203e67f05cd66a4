"""Tool-wide catalogue editing needs a registration a password admin trusts."""

from __future__ import annotations

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.dynamic_registration import PlatformConfiguration, store
from lti_tool.models import Credential, Registration
from lti_tool.models.catalogue import TOOL_SCOPE
from tests import launches
from tests.unit.test_admin import admin_account, csrf_token, sign_in  # noqa: F401
from tests.unit.test_admin_entry import entry  # noqa: F401  (fixture)
from tests.unit.test_authoring import form, new_values


def _set_trust(app, trusted: bool) -> int:
    with app.app_context():
        reg = db.session.scalar(db.select(Registration))
        reg.trusted = trusted
        db.session.commit()
        return reg.id


def _trusted(app, reg_id: int) -> bool:
    with app.app_context():
        return db.session.get(Registration, reg_id).trusted


def _publish(app, platform, client, key: str) -> str:
    launch_id, token = launches.admin(platform, client)
    values = new_values(key=key, title="Written by an LMS administrator")
    cookieless = app.test_client(use_cookies=False)
    posted = cookieless.post(f"/catalogue/{launch_id}/edit", data=form(values, token))
    assert posted.status_code == 303, posted.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(db.select(Credential).where(Credential.key == key))
        (credential,) = rows.all()
        return credential.scope


def test_untrusted_registration_admin_edits_only_their_course(app, platform, client):
    _set_trust(app, False)
    scope = _publish(app, platform, client, "admin-made")
    assert scope != TOOL_SCOPE
    with app.app_context():
        assert catalogue.current_version("admin-made") is None


def test_trusted_registration_admin_edits_tool_wide(app, platform, client):
    _set_trust(app, True)
    assert _publish(app, platform, client, "admin-made") == TOOL_SCOPE


def test_dynamic_registrations_start_untrusted_and_cli_ones_trusted(app, platform):
    configuration = PlatformConfiguration(
        issuer="https://lms.example.edu",
        authorization_endpoint="https://lms.example.edu/auth",
        token_endpoint="https://lms.example.edu/token",
        jwks_uri="https://lms.example.edu/jwks",
        registration_endpoint="https://lms.example.edu/register",
        product_family_code="moodle",
        scopes_supported=None,
        messages_supported=None,
    )
    with app.app_context():
        # platform_fake registers the way the operator's CLI does.
        assert db.session.scalar(db.select(Registration)).trusted is True
        assert store(configuration, {"client_id": "dr-1"}, "active").trusted is False


def test_password_admin_trusts_and_withdraws(
    app,
    client,
    platform,
    admin_account,  # noqa: F811
):
    reg_id = _set_trust(app, False)
    sign_in(client)
    token = csrf_token(client, "/admin/")
    url = f"/admin/registrations/{reg_id}/trust"
    answer = client.post(url, data={"csrf_token": token, "trusted": "1"})
    assert answer.status_code == 302
    assert _trusted(app, reg_id)
    assert "Withdraw trust" in client.get("/admin/").get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "trusted": "0"})
    assert not _trusted(app, reg_id)


def test_trust_without_csrf_token_changes_nothing(
    app,
    client,
    platform,
    admin_account,  # noqa: F811
):
    reg_id = _set_trust(app, False)
    sign_in(client)
    refused = client.post(f"/admin/registrations/{reg_id}/trust", data={"trusted": "1"})
    assert refused.status_code == 400
    assert not _trusted(app, reg_id)


def test_an_lms_admin_cannot_trust_their_own_registration(app, entry):  # noqa: F811
    reg_id = _set_trust(app, False)
    window = app.test_client()
    assert window.get(entry).status_code == 303
    page = window.get("/admin/").get_data(as_text=True)
    assert "Trust for tool-wide editing" not in page
    token = csrf_token(window, "/admin/")
    answer = window.post(
        f"/admin/registrations/{reg_id}/trust",
        data={"csrf_token": token, "trusted": "1"},
    )
    assert answer.status_code == 403
    assert not _trusted(app, reg_id)
