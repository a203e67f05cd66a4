"""Fixtures over real HTTP: people in front of the sandbox LMS (Pathmark under
gunicorn beside it comes from the ``stack`` fixture in tests/conftest.py),
and a strict AGS peer that an app's grade sync talks to."""

from __future__ import annotations

import os

import pytest

from tests import redis_server as redis_server_module
from tests.ags_peer import AgsPeer
from tests.grading_setup import CLIENT_ID, Clock
from tests.integration.lms_client import LmsUser


@pytest.fixture
def settings(settings):
    # Short HTTP timeout so "slow platform" tests run quickly; the test
    # platforms listen on loopback, which production settings refuse.
    return {
        **settings,
        "http_timeout": 1,
        "registration_allowed_networks": "127.0.0.0/8",
    }


@pytest.fixture(params=["moodle"])
def mode(request):
    return request.param


@pytest.fixture
def peer(app, mode):
    keyring = app.extensions["pathmark"].keyring
    peer = AgsPeer(keyring.jwks, CLIENT_ID, mode=mode).start()
    yield peer
    peer.stop()


@pytest.fixture
def sync(app):
    sync = app.extensions["pathmark.grading"]
    sync.clock = Clock()
    sync.rng = lambda: 0.5
    return sync


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.http)


@pytest.fixture
def learner(stack) -> LmsUser:
    return LmsUser(stack.sandbox_url, "learner")


@pytest.fixture
def teacher(stack) -> LmsUser:
    return LmsUser(stack.sandbox_url, "teacher")


@pytest.fixture
def link_id(stack) -> str:
    """A fresh graded link in the sandbox course, with no credential yet."""
    link = stack.lms.add_link(
        "Sandbox activity", line_item={"scoreMaximum": 10, "label": "Sandbox"}
    )
    return link.link_id


@pytest.fixture(scope="session")
def redis_server():
    """The session's private Redis server (see tests/redis_server.py)."""
    try:
        server = redis_server_module.start()
    except redis_server_module.RedisUnavailable as exc:
        message = f"Redis tests need a server: {exc}"
        if os.environ.get(redis_server_module.REQUIRE) == "1":
            pytest.fail(f"{message} ({redis_server_module.REQUIRE}=1)", pytrace=False)
        pytest.skip(message)
    yield server
    server.stop()
