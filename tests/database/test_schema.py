"""Migrations, constraints and column types on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from lti_tool import create_app
from lti_tool.cli import main
from lti_tool.db import db, upgrade_schema
from lti_tool.models import Deployment, LoginState, Registration

SPINE_TABLES = {
    "registration",
    "deployment",
    "course",
    "person",
    "membership",
    "resource_link",
    "launch",
    "login_state",
    "launch_refusal",
    "platform_key_set",
}


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _schema_differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.fixture
def empty_app(settings):
    """An app whose database has no tables yet."""
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_matches_the_models(empty_app):
    assert _tables() == set()
    upgrade_schema()
    assert _tables() >= SPINE_TABLES
    assert "alembic_version" in _tables()
    assert _schema_differences() == []


def test_init_twice_is_harmless(empty_app, database_url):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    assert "Created tool key" in first.output
    url = sa.make_url(database_url)
    assert f"Database ready: {url.drivername}://" in first.output
    assert not url.password or url.password not in first.output
    db.session.add(
        Registration(
            issuer="https://lms.example",
            client_id="c1",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
    )
    db.session.commit()

    second = runner.invoke(main, ["init"])
    assert second.exit_code == 0, second.output
    assert "Tool keys present" in second.output
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1


def test_init_upgrades_an_older_schema(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision="0001")
    assert _schema_differences() != []
    runner = empty_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(main, ["init"])
        assert result.exit_code == 0, result.output
        assert _schema_differences() == []


def test_downgrade_and_upgrade_roundtrip(empty_app):
    upgrade_schema()
    directory = empty_app.extensions["migrate"].directory
    downgrade(directory=directory, revision="base")
    assert _tables() - {"alembic_version"} == set()
    upgrade_schema()
    assert _tables() >= SPINE_TABLES
    assert _schema_differences() == []


def _registration(client_id: str = "c1", issuer: str = "https://lms.example"):
    return Registration(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=f"{issuer}/auth",
        auth_token_url=f"{issuer}/token",
        key_set_url=f"{issuer}/jwks",
    )


def test_registration_is_unique_per_issuer_and_client(app):
    with app.app_context():
        db.session.add_all(
            [
                _registration("c1"),
                _registration("c2"),
                _registration("c1", issuer="https://other.example"),
            ]
        )
        db.session.commit()
        db.session.add(_registration("c1"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 3


def test_deployment_is_unique_per_registration(app):
    with app.app_context():
        first, second = _registration("c1"), _registration("c2")
        db.session.add_all([first, second])
        db.session.flush()
        db.session.add_all(
            [
                Deployment(registration_id=first.id, deployment_id="1"),
                Deployment(registration_id=second.id, deployment_id="1"),
            ]
        )
        db.session.commit()
        db.session.add(Deployment(registration_id=first.id, deployment_id="1"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_datetimes_round_trip_as_utc(app):
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=tokyo)
    with app.app_context():
        reg = _registration()
        db.session.add(reg)
        db.session.flush()
        db.session.add(
            LoginState(
                state="s1", nonce="n1", registration_id=reg.id, created_at=moment
            )
        )
        db.session.commit()
        db.session.expunge_all()

        stored = db.session.get(LoginState, "s1")
        assert stored.created_at == moment
        assert stored.created_at.utcoffset() == timedelta(0)
        assert stored.created_at.hour == 16 and stored.created_at.day == 28
        assert stored.used_at is None

        # Comparisons in SQL use the same instant, whatever the zone given.
        later = db.session.scalar(
            sa.select(sa.func.count()).where(
                LoginState.created_at < moment.astimezone(UTC) + timedelta(seconds=1)
            )
        )
        assert later == 1


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        reg = _registration()
        db.session.add(reg)
        db.session.flush()
        db.session.add(
            LoginState(
                state="s2",
                nonce="n2",
                registration_id=reg.id,
                created_at=datetime(2026, 1, 1, 12, 0),
            )
        )
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()
