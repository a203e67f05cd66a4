"""A private PostgreSQL cluster for the test session, from Debian's packages.

The cluster lives in a temporary folder (its Unix socket too), listens on
127.0.0.1 only, on a free port, with a random password, and is stopped by
its PID at the end of the session. The server is started through
``setpriv --pdeathsig``, so it also shuts down when the test process is
killed before its teardown. PostgreSQL refuses to run as root, so under
root (as in CI) the server runs as the ``postgres`` system user that the
Debian package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from lti_tool.config import database_driver_url

USER = "pathmark"
START_TIMEOUT = 30


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started on this machine."""


def find_bindir() -> Path:
    """The newest installed server's bin folder (with initdb and pg_ctl)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not found:
        raise PostgresUnavailable(
            "no PostgreSQL server found in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Databases:
    """Per-test databases on a server: created empty, dropped after."""

    def url(self, database: str = "postgres") -> str:
        raise NotImplementedError

    def create_database(self) -> str:
        """A new, empty database; returns its name."""
        name = "test_" + uuid.uuid4().hex[:12]
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            engine.dispose()


@dataclass
class ExternalPostgres(_Databases):
    """A server given by ``DATABASE_URL``; its role must be allowed CREATEDB."""

    base_url: str

    def url(self, database: str = "") -> str:
        base = sa.make_url(database_driver_url(self.base_url))
        return base.set(database=database or base.database).render_as_string(
            hide_password=False
        )

    def stop(self) -> None:
        """Nothing to stop: the server is not ours."""


def external(url: str) -> ExternalPostgres:
    """Use a running server; raise PostgresUnavailable if it cannot be reached."""
    server = ExternalPostgres(url)
    try:
        server._admin("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        raise PostgresUnavailable(
            f"DATABASE_URL names a PostgreSQL server that did not answer: "
            f"{type(exc).__name__}"
        ) from None
    return server


@dataclass
class PostgresServer(_Databases):
    """A running cluster; :meth:`url` gives SQLAlchemy URLs for databases."""

    bindir: Path
    root: Path
    port: int
    password: str
    run_as: str | None
    process: subprocess.Popen | None = None

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return (
            f"postgresql+psycopg://{USER}:{self.password}"
            f"@127.0.0.1:{self.port}/{database}"
        )

    def _command(self, *args: str | Path) -> list[str]:
        """Run as the server's user; the server dies with this process."""
        wrapper = ["setpriv"]
        if self.run_as:
            wrapper += [
                "--reuid", self.run_as, "--regid", self.run_as, "--init-groups",
            ]  # fmt: skip
        return [*wrapper, "--pdeathsig", "INT", "--", *map(str, args)]

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._command(*args),
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
            timeout=START_TIMEOUT,
        )

    def _serve(self, *options: str) -> None:
        """Start the server as a child process; wait until it answers."""
        with open(self.root / "server.log", "wb") as log:
            self.process = subprocess.Popen(
                self._command(self.bindir / "postgres", "-D", self.datadir, *options),
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise subprocess.SubprocessError("the server exited at start")
            try:
                self._admin("SELECT 1")
                return
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise subprocess.SubprocessError("no answer in time") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the server's PID), then remove the folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def _server_user() -> str | None:
    """Who runs the server: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' user to run the server"
        ) from None
    return "postgres"


def start() -> PostgresServer:
    """Create and start a cluster; raise PostgresUnavailable if impossible."""
    bindir = find_bindir()
    if not shutil.which("setpriv"):
        raise PostgresUnavailable("setpriv (util-linux) is missing")
    run_as = _server_user()
    root = Path(tempfile.mkdtemp(prefix="pathmark-pg-"))
    password = secrets.token_urlsafe(16)
    server = PostgresServer(bindir, root, _free_port(), password, run_as)
    try:
        (root / "pwfile").write_text(password + "\n")
        if run_as:
            entry = pwd.getpwnam(run_as)
            os.chown(root, entry.pw_uid, entry.pw_gid)
            os.chown(root / "pwfile", entry.pw_uid, entry.pw_gid)
        server._run(
            bindir / "initdb", "-D", server.datadir, "-U", USER,
            "--pwfile", root / "pwfile", "--auth", "scram-sha-256",
            "--encoding", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip
        # TCP on loopback only; the Unix socket stays inside the temporary
        # folder; durability traded for speed.
        server._serve(
            "-c", "listen_addresses=127.0.0.1", "-p", str(server.port),
            "-c", f"unix_socket_directories={root}", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=100",
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        log = root / "server.log"
        if log.exists():
            detail += log.read_text()[-2000:]
        server.stop()
        raise PostgresUnavailable(
            f"could not start PostgreSQL from {bindir}: {exc} {detail}".strip()
        ) from None
    return server
