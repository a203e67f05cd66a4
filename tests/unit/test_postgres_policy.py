"""Where no PostgreSQL can be started: skip with a reason, or fail in CI."""

from __future__ import annotations

import pytest

from lti_tool.config import PROJECT_ROOT

pytest_plugins = ["pytester"]

# The inner session sees a machine without PostgreSQL.
INNER_CONFTEST = """
import tests.postgres_server as server

def _no_server():
    raise server.PostgresUnavailable("no PostgreSQL server found (test)")

server.start = _no_server
pytest_plugins = ["tests.database_fixtures"]
"""

INNER_TEST = """
def test_on_both(database_url):
    assert database_url
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(INNER_TEST)
    return pytester


def test_postgres_runs_skip_with_the_reason(inner, monkeypatch):
    monkeypatch.delenv("PATHMARK_REQUIRE_POSTGRES", raising=False)
    result = inner.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*SKIPPED*PostgreSQL tests need a server: no PostgreSQL server found*"]
    )


def test_postgres_runs_fail_when_required(inner, monkeypatch):
    monkeypatch.setenv("PATHMARK_REQUIRE_POSTGRES", "1")
    result = inner.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*PATHMARK_REQUIRE_POSTGRES=1*"])
