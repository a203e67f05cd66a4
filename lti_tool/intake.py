"""Streaming intake: bytes go to the store while their SHA-256 is computed.

Nothing here holds a whole file: a body is read in 1 MiB pieces (the size
that streamed fastest, see DESIGN.md), each piece is hashed and written to
a pending object, and only the first and last few KiB are kept for
sniffing. Every refusal (too big, wrong type, cut short) aborts the pending
object, so nothing half-written remains. Only a fully checked file is
committed, under the key its digest gives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from lti_tool import sniff, truncation
from lti_tool.storage import ArtefactStore, PendingWrite, content_key

READ_SIZE = 1024 * 1024

# Typed evidence arrives as a form, not a stream: its limit in characters,
# and what a text far beyond it (over the page cap, refused unread) is told.
MAX_TEXT_CHARS = 50_000
TEXT_TOO_LONG = (
    f"Texts are limited to {MAX_TEXT_CHARS:,} characters and this one is far "
    "longer, so nothing was saved. Go back to the activity, shorten the text "
    "and save it again; a long document can be added as a file instead."
)


class IntakeRefused(Exception):
    """An upload Pathmark will not keep, with the status and a sentence."""

    def __init__(self, code: str, message: str, status: int = 400, **detail):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Received:
    sha256: str
    size: int
    media_type: str
    storage_key: str


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} kB"


def too_big(limit: int) -> IntakeRefused:
    return IntakeRefused(
        "too_large",
        f"The file is larger than this activity allows ({_megabytes(limit)}). "
        "Nothing was kept; a shorter recording or a smaller file will fit.",
        status=413,
        limit=limit,
    )


def _refusal(exc: sniff.SniffRefused) -> IntakeRefused:
    status = 400 if exc.code in {"empty", "truncated"} else 415
    return IntakeRefused(exc.code, exc.message, status=status)


class _Window:
    """The first ``HEAD_BYTES`` and the last ``TAIL_BYTES`` of a stream."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()

    def add(self, data: bytes) -> None:
        if len(self.head) < sniff.HEAD_BYTES:
            self.head += data[: sniff.HEAD_BYTES - len(self.head)]
        if len(data) >= sniff.TAIL_BYTES:
            self.tail = bytearray(data[-sniff.TAIL_BYTES :])
        else:
            self.tail += data
            del self.tail[: max(0, len(self.tail) - sniff.TAIL_BYTES)]


def pieces(stream: BinaryIO, size: int = READ_SIZE) -> Iterable[bytes]:
    """A file-like object read in pieces until it ends."""
    while True:
        data = stream.read(size)
        if not data:
            return
        yield data


def receive(
    chunks: Iterable[bytes],
    store: ArtefactStore,
    *,
    limit: int,
    allowed: tuple[str, ...],
    declared_type: str = "",
    expected_size: int | None = None,
    expected_sha256: str | None = None,
    pending: PendingWrite | None = None,
) -> Received:
    """Stream ``chunks`` into ``store``; refuse with ``IntakeRefused``.

    ``expected_size`` is what the sender announced (Content-Length or the
    size given when a resumable upload started); fewer bytes mean the
    transfer was cut. ``expected_sha256`` is checked before commit.
    ``pending`` replaces ``store.begin()`` when the bytes are stored
    already (an upload assembled in place): then they are only read.
    """
    if expected_size is not None and expected_size > limit:
        raise too_big(limit)
    digest = hashlib.sha256()
    window = _Window()
    follower = truncation.Follower()
    sniffed: sniff.Sniffed | None = None
    size = 0
    stored = pending is not None
    pending = pending or store.begin()
    try:
        for data in chunks:
            size += len(data)
            if size > limit:
                raise too_big(limit)
            digest.update(data)
            window.add(data)
            follower.feed(data)
            if sniffed is None and len(window.head) >= sniff.HEAD_BYTES:
                # Refuse a wrong type early, before the rest is sent.
                sniffed = sniff.sniff_head(bytes(window.head))
                sniff.accept(sniffed, allowed, declared_type)
            if not stored:
                pending.write(data)
        if expected_size is not None and size != expected_size:
            raise IntakeRefused(
                "truncated",
                "The upload stopped before the whole file arrived. Nothing was "
                "kept; please try again.",
                received=size,
                expected=expected_size,
            )
        head = bytes(window.head)
        if sniffed is None:
            sniffed = sniff.sniff_head(head)
        media_type = sniff.accept(sniffed, allowed, declared_type)
        sniff.check_whole(sniffed, head, bytes(window.tail), size)
        if follower.cut_short(size):
            raise sniff.SniffRefused("truncated", "The recording was cut short.")
        sha256 = digest.hexdigest()
        if expected_sha256 is not None and sha256 != expected_sha256.lower():
            raise IntakeRefused(
                "digest_mismatch",
                "The file that arrived differs from the one sent. Nothing was "
                "kept; please try again.",
            )
        key = content_key(sha256)
        pending.commit(key)
    except sniff.SniffRefused as exc:
        pending.abort()
        raise _refusal(exc) from None
    except BaseException:
        pending.abort()
        raise
    return Received(sha256=sha256, size=size, media_type=media_type, storage_key=key)
