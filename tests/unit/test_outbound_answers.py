"""OutboundClient against platforms that misbehave below HTTP's level:
an answer that breaks off, headers sent a byte at a time.

A WSGI server always writes well-formed headers, so these peers write raw
bytes on a loopback socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest
import requests

from lti_tool.dynamic_registration import platform_error_text
from lti_tool.public_address import (
    AddressPolicy,
    OutboundClient,
    ResponseRefused,
    parse_networks,
)

Script = Callable[[socket.socket], None]


@contextmanager
def raw_peer(script: Script) -> Iterator[str]:
    """A loopback server that reads one request head, then runs ``script``."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)

    def serve() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                part = conn.recv(4096)
                if not part:
                    return
                head += part
            # The client may hang up first, as it should when cutting.
            with suppress(OSError):
                script(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/openid-configuration"
    finally:
        server.close()
        thread.join(timeout=15)


def client(timeout: float) -> OutboundClient:
    policy = AddressPolicy(parse_networks("127.0.0.0/8"))
    return OutboundClient(policy, timeout=timeout, max_bytes=10_000, user_agent="t")


def broken_off(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"issuer": "http'
    )


def dripped_head(conn: socket.socket) -> None:
    head = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 200 + b"\r\n"
    for i in range(len(head)):
        conn.sendall(head[i : i + 1])
        time.sleep(0.1)


def test_an_answer_cut_short_is_a_requests_error():
    """Callers cope with requests' errors; urllib3's used to escape as a 500."""
    with raw_peer(broken_off) as url, pytest.raises(requests.ConnectionError):
        client(timeout=5).request("GET", url)


def test_headers_sent_a_byte_at_a_time_meet_the_deadline():
    """Each byte comes well within any read timeout; the deadline still holds
    for the whole answer (about 20 s of headers here, against 1 s)."""
    with raw_peer(dripped_head) as url:
        started = time.monotonic()
        with pytest.raises(ResponseRefused, match="1 s"):
            client(timeout=1).request("GET", url)
        assert time.monotonic() - started < 3


def redirect_with_a_big_body(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 302 Found\r\nLocation: http://10.0.0.1/internal\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 65536
    for _ in range(64):  # 4 MiB, far over the client's 10,000 bytes
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    conn.sendall(b"0\r\n\r\n")


def short_redirect(conn: socket.socket) -> None:
    conn.sendall(
        b"HTTP/1.1 301 Moved Permanently\r\n"
        b"Location: https://lms.example.edu/openid-configuration\r\n"
        b"Content-Length: 0\r\n\r\n"
    )


def test_a_redirect_is_read_under_the_byte_limit():
    """requests reads a redirect's whole body even when told not to follow
    it; the byte limit must hold for that body too."""
    too_much = pytest.raises(ResponseRefused, match="more than the 10000 bytes")
    with raw_peer(redirect_with_a_big_body) as url, too_much:
        client(timeout=5).request("GET", url)


def test_a_redirect_is_answered_not_followed_and_named():
    with raw_peer(short_redirect) as url:
        answer = client(timeout=5).request("GET", url)
    assert answer.status == 301
    assert answer.location == "https://lms.example.edu/openid-configuration"
    shown = platform_error_text(answer)
    assert "redirects to https://lms.example.edu/openid-configuration" in shown
