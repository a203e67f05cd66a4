"""Fixtures over real HTTP: Pathmark under gunicorn (two workers) beside the
strict sandbox LMS, and a strict AGS peer that an app's grade sync talks to."""

from __future__ import annotations

import pytest

from lti_tool import create_app
from lti_tool.catalogue import save
from lti_tool.db import db, upgrade_schema
from lti_tool.sandbox_registration import register_sandbox
from tests.ags_peer import AgsPeer
from tests.credential_factory import definition_data
from tests.grading_setup import CLIENT_ID, Clock
from tests.integration.lms_client import LmsUser
from tests.integration.stack import (
    SandboxServer,
    Stack,
    free_port,
    make_sandbox,
    start_gunicorn,
    stop_process,
    tool_environment,
    wait_until_up,
)


@pytest.fixture
def settings(settings):
    # Short HTTP timeout so "slow platform" tests run quickly.
    return {**settings, "http_timeout": 1}


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


def _initialise(env: dict[str, str]) -> None:
    """What `lti-tool init --sandbox` does, in this process to save a start-up,
    plus one example credential so the deep linking picker has a choice."""
    app = create_app(
        {
            "instance_path": env["PATHMARK_INSTANCE_PATH"],
            "keys_dir": env["PATHMARK_KEYS_DIR"],
            "base_url": env["PATHMARK_BASE_URL"],
            "sandbox_url": env["PATHMARK_SANDBOX_URL"],
        }
    )
    with app.app_context():
        upgrade_schema()
        app.extensions["pathmark"].keyring.ensure()
        register_sandbox(app)
        save(definition_data())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pathmark-http")
    tool_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = tool_environment(folder, tool_port, sandbox_url)
    tool_url = env["PATHMARK_BASE_URL"]
    sandbox_app = make_sandbox(tool_url, sandbox_url)

    with SandboxServer(sandbox_app, sandbox_port):
        stack = Stack(
            folder=folder,
            env=env,
            tool_url=tool_url,
            sandbox_url=sandbox_url,
            lms=sandbox_app.extensions["sandbox_lms"],
            tool_keys=sandbox_app.extensions["sandbox_tool_keys"],
            tool_log=folder / "pathmark.log",
            access_log=folder / "access.log",
        )
        _initialise(env)
        process, _, _ = start_gunicorn(env, tool_port, folder)
        try:
            wait_until_up(f"http://127.0.0.1:{tool_port}/healthz", process)
            yield stack
        finally:
            stop_process(process)


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
