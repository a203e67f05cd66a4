"""The learner's work handed to Canvas with the "submitted" score.

Canvas's submission extension can carry the evidence itself, so that
SpeedGrader shows it beside the gradebook column. Files travel as signed,
expiring, revocable media links (``lti_tool.media``) that Canvas fetches on
its own schedule; typed text alone travels as a text entry. Other platforms
get the score without any of this.
"""

from __future__ import annotations

from typing import Any

from lti_tool import evidence, media
from lti_tool import score_payloads as payloads
from lti_tool.db import db
from lti_tool.models import Artefact, Submission

# Evidence kinds that are text the learner typed, not a file.
TYPED_KINDS = {"text", "link"}
# The most typed text read back for the text entry (typed text is capped
# far below this at intake).
TEXT_LIMIT = 256 * 1024
SUFFIXES = {
    "audio/webm": ".webm",
    "video/webm": ".webm",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/uri-list": ".txt",
}


def score_with_evidence(score: dict[str, Any], submission_id: int) -> dict[str, Any]:
    """``score`` with Canvas's submission type and the work it shows.

    One signed link per artefact when any of them is a file (typed text
    then goes as a text file beside it); the text itself otherwise.
    """
    submission = db.session.get(Submission, submission_id)
    pieces = evidence.active_artefacts(submission) if submission else []
    as_files = any(piece.kind not in TYPED_KINDS for piece in pieces)
    files: list[tuple[str, str, str]] = []
    texts: list[str] = []
    for number, piece in enumerate(pieces, 1):
        if as_files:
            # Made on Pathmark's behalf, not the learner's: SpeedGrader
            # needs it, so the learner must not be able to revoke it.
            _, token = media.create_link(piece, None, purpose="canvas")
            url = media.link_url(token)
            files.append((url, title(piece, number), piece.media_type))
        else:
            texts.append(_text(piece))
    fields = payloads.canvas_evidence(files, texts)
    return {**score, payloads.CANVAS_SUBMISSION: fields}


def title(piece: Artefact, number: int) -> str:
    """The file name Canvas shows: the learner's (sanitised), else made up."""
    if piece.original_name:
        return piece.original_name
    suffix = SUFFIXES.get(piece.media_type, "")
    return f"{piece.kind}-{number}{suffix}"


def _text(piece: Artefact) -> str:
    data = bytearray()
    for chunk in media.store().read(piece.storage_key, 0, min(piece.size, TEXT_LIMIT)):
        data += chunk
    return data.decode("utf-8", errors="replace").strip()
