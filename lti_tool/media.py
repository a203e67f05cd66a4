"""Serving artefact bytes: range requests for players, signed LMS links.

Media is served only to people who may see it (the views check), or to
whoever holds a signed media link Pathmark handed to the LMS. A link names
a ``MediaLink`` row; it works until it expires or staff revoke it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import NotFound

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import Artefact, MediaLink
from lti_tool.storage import ArtefactStore

# Types a browser shows itself (players, images, a PDF in its frame, text);
# anything else goes out as an attachment. The policy below sandboxes them.
INLINE_TYPES = ("audio/", "video/", "image/", "application/pdf", "text/plain")
# Typed evidence longer than this shows cut, with a note; the stored bytes
# stay whole and their digest still covers all of them.
TEXT_SHOWN_BYTES = 256 * 1024


def store() -> ArtefactStore:
    return current_app.extensions["pathmark.store"]


def text_of(artefact: Artefact) -> tuple[str, bool] | None:
    """Typed text evidence to show as text: ``(text, cut)``, or ``None``.

    ``None`` for anything but plain text, or once the media has expired.
    The page escapes the text like any other value, so markup stays text.
    """
    if artefact.media_type != "text/plain" or artefact.media_expired_at:
        return None
    end = min(artefact.size, TEXT_SHOWN_BYTES)
    data = b"".join(store().read(artefact.storage_key, 0, end))
    return data.decode("utf-8", errors="replace"), artefact.size > end


def serve(artefact: Artefact, *, download: bool = False) -> Response:
    """The artefact's bytes, honouring a single ``Range``; 410 once expired."""
    if artefact.media_expired_at is not None:
        return Response(
            "The media was removed under the retention rule; its digest and "
            "receipt remain.",
            status=410,
            mimetype="text/plain",
        )
    size = artefact.size
    start, end, status = 0, size, 200
    wanted = request.range
    # Only one byte range is served; several (or another unit) get the whole
    # file, which RFC 9110 section 14.2 allows a server to answer instead.
    if wanted is not None and wanted.units == "bytes" and len(wanted.ranges) == 1:
        found = wanted.range_for_length(size)
        if found is None:
            return _unsatisfiable(size)
        start, end = found
        status = 206
    chunks = store().read(artefact.storage_key, start, end)
    # Artefacts never change, so the digest is a strong validator.
    response = Response(chunks, status=status, mimetype=artefact.media_type)
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Content-Length"] = str(end - start)
    response.headers["ETag"] = f'"{artefact.sha256}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    name = artefact.original_name or f"evidence-{artefact.id}"
    inline = not download and artefact.media_type.startswith(INLINE_TYPES)
    response.headers["Content-Disposition"] = _disposition(
        "inline" if inline else "attachment", name
    )
    return response


def _unsatisfiable(size: int) -> Response:
    """416, telling the client the length so it can ask again."""
    response = Response(
        "The requested range is outside the file.", status=416, mimetype="text/plain"
    )
    response.headers["Content-Range"] = f"bytes */{size}"
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _disposition(kind: str, name: str) -> str:
    from urllib.parse import quote

    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def init_app(app) -> None:
    app.jinja_env.globals["evidence_text"] = text_of


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="pathmark-media")


def create_link(
    artefact: Artefact,
    created_by_id: int | None,
    hours: int | None = None,
    purpose: str = "lms",
) -> tuple[MediaLink, str]:
    """A new signed link to ``artefact``; returns the row and its token.

    ``created_by_id`` is ``None`` for links Pathmark makes on its own
    behalf (the gradebook hand-over), which no learner may revoke.
    """
    hours = hours or current_app.config["MEDIA_LINK_HOURS"]
    link = MediaLink(
        artefact_id=artefact.id,
        created_by_id=created_by_id,
        purpose=purpose,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.session.add(link)
    db.session.flush()
    event("evidence.media_link_created", link=link.id, artefact=artefact.id)
    return link, _serializer().dumps({"m": link.id, "a": artefact.id})


def link_url(token: str) -> str:
    """The absolute URL of a signed link, for the LMS to fetch."""
    return current_app.config["BASE_URL"] + f"/media/{token}"


# One sentence for every dead link: saying which would tell a guesser more.
LINK_GONE = (
    "This link to a piece of evidence has expired, was withdrawn, or was "
    "never valid. Open the submission from the course to see the evidence."
)


def open_link(token: str) -> Artefact:
    """The artefact a signed link opens; 404 for forged, expired or revoked."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        event("evidence.media_link_refused", logging.WARNING, reason="signature")
        raise NotFound(LINK_GONE) from None
    link = db.session.get(MediaLink, data.get("m"))
    if link is None or link.artefact_id != data.get("a"):
        raise NotFound(LINK_GONE)
    if link.revoked_at is not None or link.expires_at <= utcnow():
        event(
            "evidence.media_link_refused",
            logging.WARNING,
            reason="revoked" if link.revoked_at else "expired",
            link=link.id,
        )
        raise NotFound(LINK_GONE)
    return db.session.get(Artefact, link.artefact_id)


def revoke(link: MediaLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        event("evidence.media_link_revoked", link=link.id)
