"""Resumable uploads assembled in one file (stores that can, the local one).

Each chunk is written at its offset into the upload's file; finishing seals
the file, verifies it by reading it once and adopts it as the artefact, so
a take's bytes are written once (``lti_tool.storage.local`` has the fence).
A chunk's own SHA-256 is then only taken when the learner's page announced
no digest for the whole: the whole digest checks everything on finish, and
a repeated chunk is compared with the bytes already in the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from lti_tool.db import db
from lti_tool.evidence import EvidenceError
from lti_tool.intake import IntakeRefused
from lti_tool.models import Upload, UploadChunk
from lti_tool.storage import ArtefactStore, PendingWrite, StorageBusy
from lti_tool.storage import assembles_in_place as _store_can


def whole_key(upload_id: str) -> str:
    """The one file a local store assembles the upload in."""
    return f"uploads/{upload_id}/whole"


def sealed_key(upload_id: str) -> str:
    return f"uploads/{upload_id}/sealed"


def in_place(upload: Upload, store: ArtefactStore) -> bool:
    """Whether this upload is assembled in one file.

    Decided per upload, so one begun as separate chunk objects (before a
    store gained in-place assembly) still finishes the way it began.
    """
    if not _store_can(store):
        return False
    # One row, not the upload's every chunk: this runs on each chunk.
    first = db.session.scalar(
        select(UploadChunk.storage_key)
        .where(UploadChunk.upload_id == upload.id)
        .limit(1)
    )
    if first is not None:
        return first == whole_key(upload.id)
    return store.size(whole_key(upload.id)) is not None


def checked(pieces: Iterable[bytes], chunks: list[UploadChunk]) -> Iterator[bytes]:
    """``pieces`` of an assembled upload, each chunk's region re-hashed.

    A request that lost the race for an offset may have written other
    bytes there before it learnt so; the winner's recorded digest tells.
    """
    bounds = iter(chunks)
    current = next(bounds, None)
    digest, filled = hashlib.sha256(), 0
    for piece in pieces:
        view = memoryview(piece)
        while view and current is not None:
            take = view[: current.size - filled]
            digest.update(take)
            filled += len(take)
            view = view[len(take) :]
            if filled == current.size:
                if digest.hexdigest() != current.sha256:
                    raise IntakeRefused(
                        "chunk_clash",
                        "Two different versions of one part arrived. Nothing "
                        "was kept; please send the recording again.",
                        status=409,
                    )
                current = next(bounds, None)
                digest, filled = hashlib.sha256(), 0
        yield piece


def assembled(
    upload: Upload, store: ArtefactStore
) -> tuple[Iterable[bytes], PendingWrite]:
    """The sealed upload as pieces, and the pending write that adopts it."""
    try:
        store.seal(whole_key(upload.id), sealed_key(upload.id))
    except StorageBusy:
        raise EvidenceError(
            "busy", "A part is still arriving; finish again in a moment.", 409
        ) from None
    sealed = sealed_key(upload.id)
    pieces: Iterable[bytes] = store.read(sealed)
    if upload.expected_sha256 is None:
        # Without an announced digest, each chunk's own digest is the check.
        pieces = checked(pieces, sorted(upload.chunks, key=lambda c: c.offset))
    return pieces, store.adopt(sealed)


def matches_stored(
    store: ArtefactStore, chunk: UploadChunk, body: Iterable[bytes]
) -> bool:
    """Whether ``body`` is byte for byte the chunk already in the file."""
    at, end = chunk.offset, chunk.offset + chunk.size
    try:
        for data in body:
            if at + len(data) > end:
                return False
            stored = b"".join(
                store.read(whole_key(chunk.upload_id), at, at + len(data))
            )
            if stored != data:
                return False
            at += len(data)
    except FileNotFoundError:
        raise EvidenceError(
            "upload_closed", "This upload is already finished."
        ) from None
    return at == end
