"""Migration 0009_admin_trust: registrations made before it start untrusted,
so their LMS administrators lose tool-wide catalogue editing on upgrade.
Nothing stored tells an operator's registration from a stranger's, so no
migration may guess; `lti-tool init` says so and `lti-tool platform trust`
gives editing back without the admin pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import Registration

ISSUER = "https://moodle.example.edu"


def _before_trust(settings):
    """A database as it was just before 0009_admin_trust, with one platform."""
    app = create_app(settings)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="0008_admin_tickets")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("registration")}
        assert "trusted" not in columns
        db.session.execute(
            sa.text(
                "INSERT INTO registration (issuer, client_id, name, auth_login_url,"
                " auth_token_url, key_set_url, created_at) VALUES (:i, 'c1',"
                " 'Moodle', :login, :token, :jwks, CURRENT_TIMESTAMP)"
            ),
            {
                "i": ISSUER,
                "login": ISSUER + "/auth",
                "token": ISSUER + "/token",
                "jwks": ISSUER + "/jwks",
            },
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return app


def _trusted(app) -> bool:
    with app.app_context():
        trusted = db.session.scalars(sa.select(Registration.trusted)).one()
        db.session.remove()
        db.engine.dispose()
        return trusted


def test_upgrade_says_how_to_trust_and_the_cli_does(settings):
    app = _before_trust(settings)
    runner = app.test_cli_runner()

    upgraded = runner.invoke(main, ["init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert _trusted(app) is False
    assert "1 registration(s) not trusted" in upgraded.output
    assert "lti-tool platform trust --issuer" in upgraded.output

    listed = runner.invoke(main, ["platform", "list"])
    assert f"{ISSUER}\tc1\tMoodle\tuntrusted" in listed.output

    trusted = runner.invoke(
        main, ["platform", "trust", "--issuer", ISSUER, "--client-id", "c1"]
    )
    assert trusted.exit_code == 0, trusted.output
    assert _trusted(app) is True
    again = runner.invoke(main, ["init"])
    assert "not trusted" not in again.output

    taken_back = runner.invoke(
        main, ["platform", "trust", "--issuer", ISSUER, "--client-id", "c1", "--no"]
    )
    assert taken_back.exit_code == 0, taken_back.output
    assert _trusted(app) is False


def test_trusting_an_unknown_registration_says_where_to_look(settings):
    app = _before_trust(settings)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(
        main, ["platform", "trust", "--issuer", ISSUER, "--client-id", "other"]
    )
    assert result.exit_code != 0
    assert "No registration for" in result.output
    assert "lti-tool platform list" in result.output
    assert _trusted(app) is False
