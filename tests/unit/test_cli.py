"""The lti-tool commands an admin runs: init, platform and keys."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import Deployment, Launch, Person, Registration

MOODLE = "https://moodle.example.edu"
ADD = [
    "platform", "add", "--issuer", MOODLE, "--client-id", "abc123",
    "--auth-url", f"{MOODLE}/mod/lti/auth.php",
    "--token-url", f"{MOODLE}/mod/lti/token.php",
    "--jwks-url", f"{MOODLE}/mod/lti/certs.php",
]  # fmt: skip


@pytest.fixture
def fresh(settings):
    """An app on an empty database, with no keys yet."""
    app = create_app(settings)
    yield app
    with app.app_context():
        db.engine.dispose()


def _run(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def test_init_creates_schema_and_key_then_is_harmless(fresh, settings):
    first = _run(fresh, "init")
    assert first.exit_code == 0, first.output
    assert "Database ready: sqlite:///" in first.output
    assert "Created tool key" in first.output
    with fresh.app_context():
        kid = fresh.extensions["pathmark"].keyring.current().kid
    assert kid in first.output

    # The database holds names and launch claims: its owner's only.
    database = settings["database_url"].removeprefix("sqlite:///")
    assert os.stat(database).st_mode & 0o777 == 0o600

    second = _run(fresh, "init")
    assert second.exit_code == 0, second.output
    assert "Tool keys present" in second.output
    with fresh.app_context():
        assert fresh.extensions["pathmark"].keyring.current().kid == kid


def test_platform_add_list_remove(app):
    added = _run(app, *ADD, "--deployment-id", "1", "--deployment-id", "2")
    assert added.exit_code == 0, added.output
    assert f"Registered {MOODLE} client abc123" in added.output
    assert "Deployments: 1, 2" in added.output

    listed = _run(app, "platform", "list")
    assert listed.exit_code == 0
    assert f"{MOODLE}\tabc123" in listed.output
    assert f"jwks  {MOODLE}/mod/lti/certs.php" in listed.output
    assert "deployment 1 (active)" in listed.output
    assert "deployment 2 (active)" in listed.output

    removed = _run(
        app, "platform", "remove", "--issuer", MOODLE, "--client-id", "abc123"
    )
    assert removed.exit_code == 0, removed.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Deployment.id))) == 0
    assert "No platforms registered" in _run(app, "platform", "list").output


def test_platform_add_again_updates_and_adds_deployments(app):
    _run(app, *ADD, "--deployment-id", "1")
    moved = [
        a.replace("moodle.example.edu/mod", "moodle.example.edu/new/mod") for a in ADD
    ]
    again = _run(app, *moved, "--deployment-id", "3")
    assert again.exit_code == 0, again.output
    with app.app_context():
        reg = db.session.scalars(sa.select(Registration)).one()
        assert reg.auth_login_url == f"{MOODLE}/new/mod/lti/auth.php"
        assert sorted(d.deployment_id for d in reg.deployments) == ["1", "3"]


def test_same_issuer_two_clients_are_two_registrations(app):
    _run(app, *ADD)
    other = [("other-client" if a == "abc123" else a) for a in ADD]
    assert _run(app, *other).exit_code == 0
    listed = _run(app, "platform", "list").output
    assert "\tabc123\t" in listed and "\tother-client\t" in listed
    _run(app, "platform", "remove", "--issuer", MOODLE, "--client-id", "abc123")
    with app.app_context():
        left = db.session.scalars(sa.select(Registration)).all()
        assert [r.client_id for r in left] == ["other-client"]


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--auth-url", "moodle.example.edu/auth"),
        ("--token-url", "ftp://moodle.example.edu/token"),
        ("--jwks-url", ""),
    ],
)
def test_platform_add_refuses_bad_urls(app, flag, value):
    args = list(ADD)
    args[args.index(flag) + 1] = value
    result = _run(app, *args)
    assert result.exit_code == 2
    assert flag in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_platform_add_needs_every_endpoint(app):
    result = _run(app, *ADD[:-2])
    assert result.exit_code == 2
    assert "--jwks-url" in result.output


def test_platform_remove_unknown_says_so(app):
    result = _run(app, "platform", "remove", "--issuer", MOODLE, "--client-id", "x")
    assert result.exit_code == 1
    assert f"No registration for {MOODLE} / x" in result.output


def test_platform_remove_takes_its_launches_along(app, client, platform):
    platform.launch(client)
    result = _run(
        app,
        "platform",
        "remove",
        "--issuer",
        platform.issuer,
        "--client-id",
        platform.client_id,
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Launch.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(Person.id))) == 0
