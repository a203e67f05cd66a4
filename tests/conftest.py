"""Fixtures: an app on a temporary database, its client, a fake platform;
for the integration and browser suites, Pathmark and the sandbox LMS running."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from tests.platform_fake import FakePlatform

# database_url, postgres: run a test on SQLite and on PostgreSQL.
pytest_plugins = ["tests.database_fixtures"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """Settings come from each test, never from the developer's shell."""
    import os

    for name in list(os.environ):
        if name.startswith("PATHMARK_") and not name.startswith("PATHMARK_REQUIRE"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    # Platform calls honour an egress proxy from the environment; tests
    # that want one set it themselves.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def settings(tmp_path):
    return {
        "database_url": f"sqlite:///{tmp_path / 'pathmark.db'}",
        "instance_path": str(tmp_path / "instance"),
        "keys_dir": str(tmp_path / "keys"),
        "base_url": "http://localhost",
        "log_level": "INFO",
    }


@pytest.fixture(scope="session")
def _prepared(tmp_path_factory):
    """A migrated SQLite file and a tool key made once, copied into each test.

    Running every migration and generating an RSA key per test cost about a
    second each; a copy is a few milliseconds and starts from the same state.
    """
    folder = tmp_path_factory.mktemp("prepared")
    app = create_app(
        {
            "database_url": f"sqlite:///{folder / 'pathmark.db'}",
            "instance_path": str(folder / "instance"),
            "keys_dir": str(folder / "keys"),
            "base_url": "http://localhost",
        }
    )
    with app.app_context():
        upgrade_schema()
        app.extensions["pathmark"].keyring.ensure()
        db.engine.dispose()
    return folder


def _copy_prepared(settings: dict, prepared: Path) -> bool:
    """Seed a test's fresh SQLite file and keys folder; False if not fresh."""
    url = settings.get("database_url") or ""
    target = (
        Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    )
    keys = Path(settings["keys_dir"]) if settings.get("keys_dir") else None
    if target is None or target.exists() or keys is None or keys.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(prepared / "pathmark.db", target)
    shutil.copytree(prepared / "keys", keys)
    return True


@pytest.fixture
def app(settings, _prepared):
    seeded = _copy_prepared(settings, _prepared)
    app = create_app(settings)
    app.config["TESTING"] = True
    with app.app_context():
        if not seeded:
            upgrade_schema()
            app.extensions["pathmark"].keyring.ensure()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def platform(app):
    """A platform registered with one deployment, its JWKS served in-process."""
    fake = FakePlatform(app)
    fake.register()
    return fake


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Pathmark under gunicorn (two workers) and the sandbox LMS, on 127.0.0.1.

    Shared by the integration and browser suites, started once per session.
    """
    from tests.integration.stack import running_stack

    with running_stack(tmp_path_factory.mktemp("pathmark-http")) as running:
        yield running
