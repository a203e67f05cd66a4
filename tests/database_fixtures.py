"""Fixtures that run a test on SQLite and on PostgreSQL.

Use ``database_url`` in any test (or override ``settings`` with it, as
``tests/database/conftest.py`` does) and the test runs twice: once on a
fresh SQLite file, once on a fresh database in a private PostgreSQL
cluster (marker ``postgres``). The cluster is started once per session
from the Debian packages and stopped at its end; when pytest runs with a
PostgreSQL ``DATABASE_URL``, that server is used instead. Where none can be
started the PostgreSQL runs skip, saying why; with
``PATHMARK_REQUIRE_POSTGRES=1`` (as in CI) they fail instead.
"""

from __future__ import annotations

import os

import pytest

from tests import postgres_server

REQUIRE = "PATHMARK_REQUIRE_POSTGRES"
# Read before any test clears the environment: a PostgreSQL DATABASE_URL
# given to pytest is used instead of a private cluster.
GIVEN_URL = os.environ.get("DATABASE_URL", "")


def _given_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "postgresql+"))


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (see tests/postgres_server.py)."""
    try:
        if _given_postgres(GIVEN_URL):
            server = postgres_server.external(GIVEN_URL)
        else:
            server = postgres_server.start()
    except postgres_server.PostgresUnavailable as exc:
        message = f"PostgreSQL tests need a server: {exc}"
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{message} ({REQUIRE}=1)", pytrace=False)
        pytest.skip(message)
    yield server
    server.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request, tmp_path):
    """A SQLAlchemy URL of a new, empty database on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pathmark.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def postgres_url(request):
    """A new, empty PostgreSQL database only (for tests PostgreSQL-specific)."""
    server = request.getfixturevalue("postgres")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)
