"""Pathmark under gunicorn and the sandbox LMS, both on 127.0.0.1.

Pathmark runs as a subprocess with two workers, its own instance folder,
SQLite file and keys; the sandbox runs in a thread of the test process,
so tests can rotate its key or change one id_token on purpose. Tests that
need scores in the sandbox gradebook also get ``lti-tool worker``, the
grade sender, as a second subprocess, as in production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from werkzeug.serving import make_server

from lti_tool import create_app
from lti_tool.catalogue import save
from lti_tool.db import db, upgrade_schema
from lti_tool.sandbox import create_sandbox
from lti_tool.sandbox.lms import SandboxLMS
from lti_tool.sandbox.platform import ToolKeys
from lti_tool.sandbox_registration import register_sandbox
from tests.credential_factory import definition_data

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen | None, seconds=20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop_process(process: subprocess.Popen) -> None:
    """Stop a server we started, by its PID: INT (gunicorn's quick shutdown),
    then KILL if it lingers."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    tool_url: str
    sandbox_url: str
    lms: SandboxLMS
    tool_keys: ToolKeys
    tool_log: Path
    access_log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``lti-tool`` against this Pathmark's instance."""
        return subprocess.run(
            [str(Path(sys.executable).parent / "lti-tool"), *args],
            env=self.env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    def log_text(self) -> str:
        return self.tool_log.read_text(errors="replace")

    def access_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines()


class SandboxServer:
    """The sandbox app on a werkzeug server in a daemon thread."""

    def __init__(self, app, port: int):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SandboxServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


def tool_environment(folder: Path, tool_port: int, sandbox_url: str) -> dict[str, str]:
    # Nor a proxy from the shell: Pathmark would send its calls to the
    # sandbox through it.
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PATHMARK_")
        and k != "DATABASE_URL"
        and k.lower() not in proxies
    }
    env.update(
        PATHMARK_BASE_URL=f"http://localhost:{tool_port}",
        PATHMARK_INSTANCE_PATH=str(folder / "instance"),
        PATHMARK_KEYS_DIR=str(folder / "keys"),
        PATHMARK_SANDBOX_URL=sandbox_url,
        # Every unknown kid may refetch: rotation tests run back to back.
        PATHMARK_PLATFORM_JWKS_REFETCH_INTERVAL="0",
        # The sandbox platform listens on loopback, as in `lti-tool run`.
        PATHMARK_REGISTRATION_ALLOWED_NETWORKS="127.0.0.0/8",
        PATHMARK_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_gunicorn(env: dict[str, str], port: int, folder: Path, threads: int = 0):
    tool_log = folder / "pathmark.log"
    access_log = folder / "access.log"
    access_log.touch()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        # Sync workers serve one connection at a time, which lets the tests
        # steer requests to a given worker; browsers keep idle speculative
        # connections open, which would hold sync workers, so they get
        # threaded workers.
        "--worker-class",
        "gthread" if threads else "sync",
        "--threads",
        str(threads or 1),
        "--timeout",
        "30",
        "--access-logfile",
        str(access_log),
        # The worker's PID first, so tests can tell which worker served what.
        "--access-logformat",
        '%(p)s "%(r)s" %(s)s',
        "lti_tool.wsgi:app",
    ]
    log = tool_log.open("w")
    process = subprocess.Popen(
        args, env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT
    )
    log.close()
    return process, tool_log, access_log


def make_sandbox(tool_url: str, sandbox_url: str):
    app = create_sandbox(tool_url, sandbox_url=sandbox_url)
    app.config["TESTING"] = True
    return app


def start_grade_worker(env: dict[str, str], folder: Path) -> subprocess.Popen:
    """``lti-tool worker`` against this Pathmark, polling every second."""
    log = (folder / "worker.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "lti-tool"), "worker", "--threads", "1"],
        env={**env, "PATHMARK_GRADE_POLL_SECONDS": "1"},
        cwd=PROJECT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


def _initialise(env: dict[str, str], credentials: Sequence[dict] = ()) -> None:
    """What `lti-tool init --sandbox` does, in this process to save a start-up,
    plus one example credential so the deep linking picker has a choice, and
    any others the caller names."""
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
        for data in (definition_data(), *credentials):
            save(data)
        db.session.commit()
        db.engine.dispose()


@contextmanager
def running_stack(
    folder: Path,
    threads: int = 0,
    *,
    credentials: Sequence[dict] = (),
    grade_worker: bool = False,
) -> Iterator[Stack]:
    """Both servers (and the grade worker when asked) up for the duration
    of the block, then stopped."""
    tool_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = tool_environment(folder, tool_port, sandbox_url)
    tool_url = env["PATHMARK_BASE_URL"]
    sandbox_app = make_sandbox(tool_url, sandbox_url)

    with SandboxServer(sandbox_app, sandbox_port):
        _initialise(env, credentials)
        process, tool_log, access_log = start_gunicorn(env, tool_port, folder, threads)
        worker = None
        try:
            if grade_worker:
                worker = start_grade_worker(env, folder)
            wait_until_up(f"http://127.0.0.1:{tool_port}/healthz", process)
            yield Stack(
                folder=folder,
                env=env,
                tool_url=tool_url,
                sandbox_url=sandbox_url,
                lms=sandbox_app.extensions["sandbox_lms"],
                tool_keys=sandbox_app.extensions["sandbox_tool_keys"],
                tool_log=tool_log,
                access_log=access_log,
            )
        finally:
            if worker is not None:
                stop_process(worker)
            stop_process(process)
