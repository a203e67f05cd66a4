"""A private Redis server for the test session, from Debian's package.

It listens on 127.0.0.1 only, on a free port, with a random password, keeps
nothing on disk, and is stopped by its PID at the end of the session (and
by ``setpriv --pdeathsig`` if the test process dies first). Tests that need
it skip where no ``redis-server`` is installed; with
``PATHMARK_REQUIRE_REDIS=1`` (as in CI) they fail instead.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis

REQUIRE = "PATHMARK_REQUIRE_REDIS"
START_TIMEOUT = 20


class RedisUnavailable(RuntimeError):
    """No Redis server could be started on this machine."""


@dataclass
class RedisServer:
    root: Path
    port: int
    password: str
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> RedisServer:
    """Start a server; raise RedisUnavailable if there is none to start."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("no redis-server on PATH (apt-get install redis-server)")
    root = Path(tempfile.mkdtemp(prefix="pathmark-redis-"))
    port = _free_port()
    password = secrets.token_hex(16)
    options = [
        "--bind", "127.0.0.1", "--port", str(port), "--requirepass", password,
        "--save", "", "--appendonly", "no", "--dir", str(root),
        "--protected-mode", "yes", "--daemonize", "no",
    ]  # fmt: skip
    with open(root / "server.log", "wb") as log:
        process = subprocess.Popen(
            ["setpriv", "--pdeathsig", "TERM", "--", binary, *options],
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RedisServer(root, port, password, process)
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            text = (root / "server.log").read_text(errors="replace")[-300:]
            server.stop()
            raise RedisUnavailable(f"redis-server exited at start: {text}")
        try:
            server.client().ping()
            return server
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                server.stop()
                raise RedisUnavailable("redis-server did not answer in time") from None
            time.sleep(0.1)
