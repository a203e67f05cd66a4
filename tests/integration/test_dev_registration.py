"""``make run``'s start-up: ``lti-tool dev`` registers the sandbox LMS through
Dynamic Registration over HTTP, once; a restart keeps the registration."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.models import Registration
from tests.integration.stack import PROJECT, free_port, stop_process

pytestmark = pytest.mark.http

REGISTERED = "Sandbox LMS registered Pathmark by Dynamic Registration as "
ALREADY = "Sandbox LMS already registered as "


def dev_environment(folder: Path, tool_port: int, lms_port: int) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHMARK_")}
    # A proxy in the shell must not matter: `lti-tool dev` keeps loopback
    # out of it (NO_PROXY), which this checks.
    env["HTTP_PROXY"] = f"http://127.0.0.1:{free_port()}"
    env.update(
        PATHMARK_BASE_URL=f"http://localhost:{tool_port}",
        PATHMARK_SANDBOX_URL=f"http://127.0.0.1:{lms_port}",
        PATHMARK_INSTANCE_PATH=str(folder / "instance"),
        PATHMARK_KEYS_DIR=str(folder / "keys"),
        PYTHONUNBUFFERED="1",
    )
    return env


def prepare(env: dict[str, str]) -> None:
    """What `lti-tool init` does, without the example catalogue."""
    app = create_app(
        {
            "instance_path": env["PATHMARK_INSTANCE_PATH"],
            "keys_dir": env["PATHMARK_KEYS_DIR"],
        }
    )
    with app.app_context():
        upgrade_schema()
        app.extensions["pathmark"].keyring.ensure()
        db.engine.dispose()


def run_dev(env, folder: Path, tool_port: int, lms_port: int, expect: str) -> str:
    """Start `lti-tool dev`, wait for its registration line, stop it."""
    out = folder / f"dev-{time.monotonic_ns()}.log"
    with out.open("w") as sink:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "lti-tool"),
                "dev",
                "--port",
                str(tool_port),
                "--sandbox-port",
                str(lms_port),
            ],
            env=env,
            cwd=PROJECT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while expect not in out.read_text() and "not registered" not in out.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        text = out.read_text()
        assert expect in text, text
        if expect == REGISTERED:
            launch_uses_issued_ids(f"http://127.0.0.1:{lms_port}", text)
    finally:
        stop_process(process)
    return out.read_text()


def launch_uses_issued_ids(lms_url: str, output: str) -> None:
    """The sandbox's next launch names the client_id it issued by DR."""
    client_id = output.split(REGISTERED, 1)[1].split()[0]
    home = requests.get(lms_url + "/", timeout=10).text
    link = re.search(r"link=(sb-link-[0-9a-f]+)", home).group(1)
    start = requests.get(f"{lms_url}/launch/{link}", allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["client_id"] == [client_id]
    assert query["lti_deployment_id"] == ["sandbox-dr-deployment-1"]
    login = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    # Pathmark knows the registration: it sends the browser on to the sandbox
    # (through platform storage, which the sandbox offers).
    assert login.status_code == 200, login.text
    assert f"{lms_url}/auth?" in login.text
    assert f"client_id={client_id}&amp;" in login.text


def stored(env) -> list[Registration]:
    app = create_app(
        {
            "instance_path": env["PATHMARK_INSTANCE_PATH"],
            "keys_dir": env["PATHMARK_KEYS_DIR"],
        }
    )
    with app.app_context():
        regs = list(db.session.scalars(select(Registration)))
        for reg in regs:
            list(reg.deployments)
        db.engine.dispose()
        return regs


def test_dev_registers_the_sandbox_by_dynamic_registration_once(tmp_path):
    tool_port, lms_port = free_port(), free_port()
    env = dev_environment(tmp_path, tool_port, lms_port)
    prepare(env)

    first = run_dev(env, tmp_path, tool_port, lms_port, REGISTERED)
    # Pathmark's own log: the registration came through /lti/register.
    assert "event=registration.created" in first
    [reg] = stored(env)
    assert reg.issuer == f"http://127.0.0.1:{lms_port}"
    assert reg.client_id.startswith("pathmark-dr-1-")
    assert reg.client_id in first
    assert reg.trusted
    assert [d.deployment_id for d in reg.deployments] == ["sandbox-dr-deployment-1"]

    # A restart keeps both sides' ids and registers nothing new.
    second = run_dev(env, tmp_path, tool_port, lms_port, ALREADY + reg.client_id)
    assert "event=registration.created" not in second
    assert [r.client_id for r in stored(env)] == [reg.client_id]


def test_dev_registers_again_when_pathmark_forgot_the_sandbox(tmp_path):
    tool_port, lms_port = free_port(), free_port()
    env = dev_environment(tmp_path, tool_port, lms_port)
    prepare(env)
    # The sandbox remembers ids from an earlier run that Pathmark lacks.
    instance = tmp_path / "instance"
    (instance / "sandbox_registration.json").write_text(
        '{"client_id": "pathmark-dr-1-gone", "deployment_id": "old"}'
    )

    output = run_dev(env, tmp_path, tool_port, lms_port, REGISTERED)
    [reg] = stored(env)
    assert reg.client_id != "pathmark-dr-1-gone"
    assert reg.client_id in output


class Later:
    """A WSGI app set once its server's port is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def test_a_refused_registration_says_where_to_look(settings, tmp_path):
    from lti_tool.sandbox import create_sandbox
    from lti_tool.sandbox_registration import SandboxNotRegistered, register_through_dr
    from tests.local_server import serving

    tool, lms = Later(), Later()
    with serving(tool) as tool_url, serving(lms) as lms_url:
        tool.app = create_app(
            {
                **settings,
                "base_url": tool_url,
                "sandbox_url": lms_url,
                "dynamic_registration": False,
            }
        )
        with tool.app.app_context():
            upgrade_schema()
        lms.app = create_sandbox(tool_url, sandbox_url=lms_url, key_dir=tmp_path)
        with pytest.raises(SandboxNotRegistered) as refused:
            register_through_dr(tool.app, lms.app, wait=5)

    assert "HTTP 403" in str(refused.value)
    assert f"{lms_url}/register-tool" in str(refused.value)
    assert not (tmp_path / "sandbox_registration.json").exists()


def test_a_server_that_never_answers_is_reported(settings, tmp_path):
    from lti_tool.sandbox import create_sandbox
    from lti_tool.sandbox_registration import SandboxNotRegistered, register_through_dr

    closed = f"http://127.0.0.1:{free_port()}"
    app = create_app({**settings, "base_url": closed})
    sandbox = create_sandbox(closed, sandbox_url=closed, key_dir=tmp_path)
    with pytest.raises(SandboxNotRegistered, match="did not answer within 0.5 s"):
        register_through_dr(app, sandbox, wait=0.5)
