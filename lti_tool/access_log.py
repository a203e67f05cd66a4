"""Request logs without query strings, for gunicorn and the dev server.

After a launch every Pathmark link carries the signed session token in its
query string (``?lt=...``), and the platform's login request carries its
hints there. A default access log writes the whole request line and the
referrer, so it would keep live tokens; these formats keep the path only.
A signed media link carries its token in the path (``/media/<token>``,
valid for hours, handed to the LMS), so that part is left out as well.
"""

from __future__ import annotations

from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler

MEDIA_PREFIX = "/media/"


def loggable_path(path: str) -> str:
    """``path`` without a query string or a media link's token."""
    path = path.split("?", 1)[0]
    if path.startswith(MEDIA_PREFIX):
        return MEDIA_PREFIX + "[link]"
    return path


class PathOnlyLogger(Logger):
    """gunicorn's logger, with media link tokens left out of ``%(U)s``."""

    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = loggable_path(found["U"])
        return found


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
        self.path = loggable_path(full)
        try:
            super().log_request(code, size)
        finally:
            self.path = full
