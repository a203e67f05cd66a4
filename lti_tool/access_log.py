"""Request logs without query strings, for gunicorn and the dev server.

After a launch every Pathmark link carries the signed session token in its
query string (``?lt=...``), and the platform's login request carries its
hints there. A default access log writes the whole request line and the
referrer, so it would keep live tokens; these formats keep the path only.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

# gunicorn atoms: remote address, time, method, path without query
# (%(U)s), protocol, status, bytes, duration in microseconds. Deliberately
# no %(r)s, %(q)s or %(f)s: request line, query string and referrer.
GUNICORN_ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)s'


class PathOnlyRequestHandler(WSGIRequestHandler):
    """The dev server's request handler, logging the path without its query."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        full = getattr(self, "path", None)
        if full is None:
            super().log_request(code, size)
            return
        self.path = full.split("?", 1)[0]
        try:
            super().log_request(code, size)
        finally:
            self.path = full
