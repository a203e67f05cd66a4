"""`lti-tool dev` refuses to start beside a server already on its ports."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from lti_tool.cli import _url_port, main


def test_dev_stops_when_the_sandbox_port_is_taken(monkeypatch, tmp_path):
    monkeypatch.setenv("PATHMARK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PATHMARK_KEYS_DIR", str(tmp_path / "keys"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setenv("PATHMARK_SANDBOX_URL", f"http://127.0.0.1:{busy}")
        with socket.socket() as spare:
            spare.bind(("127.0.0.1", 0))
            free = spare.getsockname()[1]
        result = CliRunner().invoke(main, ["dev", "--port", str(free)])
    assert result.exit_code != 0
    assert f"Port {busy} (sandbox LMS) is in use" in result.output
    assert "PATHMARK_SANDBOX_URL" in result.output


def test_ports_come_from_the_configured_urls(monkeypatch):
    monkeypatch.setenv("PATHMARK_BASE_URL", "http://localhost:5600")
    monkeypatch.delenv("PATHMARK_SANDBOX_URL", raising=False)
    assert _url_port("PATHMARK_BASE_URL", 5000) == 5600
    assert _url_port("PATHMARK_SANDBOX_URL", 5001) == 5001


def test_a_port_just_released_by_a_stopped_server_is_free():
    """A restart right after stopping: the old server's closed connections
    linger in TIME_WAIT on its port, which the new server may reuse."""
    from lti_tool.cli import _refuse_taken

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server closes first: TIME_WAIT on its side
        client.recv(1)
        client.close()
    _refuse_taken(port, "Pathmark")  # no ClickException
