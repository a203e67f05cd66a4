"""A forward HTTP proxy on 127.0.0.1 for tests, like an operator's egress
proxy: it takes absolute-form requests, records them, and forwards them.

``names`` maps host names to the addresses the proxy reaches them at, as an
egress proxy resolves names the machine behind it cannot.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "transfer-encoding"}


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        target = urlsplit(self.path)
        self.server.seen.append((self.command, self.path))
        host = self.server.names.get(target.hostname or "", target.hostname)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream = http.client.HTTPConnection(host, target.port or 80, timeout=10)
        try:
            upstream.request(self.command, path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, names: dict[str, str]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.names = names
        self.seen: list[tuple[str, str]] = []


@contextmanager
def forward_proxy(names: dict[str, str] | None = None) -> Iterator[_ProxyServer]:
    """Run the proxy for the block; its URL is ``proxy_url(server)``."""
    server = _ProxyServer(dict(names or {}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def proxy_url(server: _ProxyServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"
