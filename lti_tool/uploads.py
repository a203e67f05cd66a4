"""Resumable uploads: long recordings sent in chunks that survive a drop.

The browser announces the whole size (and, when it can, the SHA-256), then
sends chunks by byte offset. Each chunk is stored as its own object as it
streams in. A chunk at the next offset extends the upload; the same chunk
again is accepted and ignored; different bytes at a stored offset, or a
chunk past the next offset, are refused with the offset to resume from.
``finish`` streams the chunks, in order, through the normal intake (sniff,
limits, digest), so a finished artefact is verified before it counts, and
then removes the chunks. A refused upload keeps no artefact.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lti_tool import evidence, intake, media_duration, recording_tickets
from lti_tool import upload_assembly as assembly
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.evidence import Activity, EvidenceError
from lti_tool.intake import IntakeRefused
from lti_tool.models import Artefact, Launch, Submission, Upload, UploadChunk
from lti_tool.recording_tickets import TicketRules
from lti_tool.storage import ArtefactStore, StorageBusy, assembles_in_place


def _chunk_key(upload_id: str, offset: int) -> str:
    # A random tail: two requests racing for one offset never share an object.
    return f"uploads/{upload_id}/{offset:014d}-{secrets.token_hex(4)}"


def start(
    activity: Activity,
    submission: Submission,
    launch: Launch,
    *,
    kind: str,
    total_size: int,
    limit: int,
    original_name: str = "",
    expected_sha256: str | None = None,
    duration: float | None = None,
    caption: str = "",
    ticket: str | None = None,
    rules: TicketRules | None = None,
    store: ArtefactStore,
) -> Upload:
    """Open an upload; a recording is "recorded" only with a fitting ticket."""
    if kind not in {"recording", "upload"} or kind not in activity.requirements.kinds:
        raise EvidenceError("kind_not_allowed", "This task does not take that kind.")
    if total_size <= 0:
        raise IntakeRefused("empty", "The file is empty.")
    if total_size > limit:
        raise intake.too_big(limit)
    if expected_sha256 is not None and (
        len(expected_sha256) != 64
        or any(c not in "0123456789abcdef" for c in expected_sha256.lower())
    ):
        raise IntakeRefused("bad_digest", "The announced SHA-256 is not valid.")
    if kind == "recording":
        evidence.check_take_allowed(activity, submission)
    upload = Upload(
        id=secrets.token_hex(16),
        submission_id=submission.id,
        person_id=launch.person_id,
        course_id=launch.course_id,
        kind=kind,
        capture_mode=recording_tickets.UPLOADED,
        original_name=evidence.display_name(original_name),
        total_size=total_size,
        expected_sha256=expected_sha256.lower() if expected_sha256 else None,
        duration_seconds=duration,
        caption=caption[: evidence.MAX_CAPTION_CHARS],
    )
    db.session.add(upload)
    db.session.flush()
    if kind == "recording" and rules is not None:
        upload.capture_mode = recording_tickets.redeem(
            ticket, upload, submission, rules
        )
    if assembles_in_place(store):
        store.create_part_file(assembly.whole_key(upload.id))
    event(
        "evidence.upload_started",
        upload=upload.id,
        submission=submission.id,
        size=total_size,
        capture_mode=upload.capture_mode,
    )
    return upload


def owned(upload_id: str, launch: Launch) -> Upload:
    """An upload of the launch's learner for this placement.

    Any launch of the same person in the same course and resource link may
    carry it on: that is how a take resumes after the session expired.
    """
    upload = db.session.get(Upload, upload_id)
    submission = upload and db.session.get(Submission, upload.submission_id)
    if (
        upload is None
        or submission is None
        or upload.person_id != launch.person_id
        or submission.resource_link_id != launch.resource_link_id
        # Uploads begun before course_id was kept fall back to the link's.
        or (upload.course_id or submission.resource_link.course_id) != launch.course_id
    ):
        event(
            "evidence.refused",
            logging.WARNING,
            reason="upload_not_owner",
            upload=upload_id,
            person=launch.person_id,
        )
        raise EvidenceError("not_found", "There is no such upload.", 404)
    return upload


def _still_draft(upload: Upload) -> None:
    """Chunks only go into a draft: a submitted attempt never changes."""
    submission = db.session.get(Submission, upload.submission_id)
    if submission.status != Submission.DRAFT:
        raise EvidenceError("submitted", "This attempt is already submitted.")


def _resume_from(upload: Upload, message: str, code: str) -> EvidenceError:
    error = EvidenceError(code, message, 409)
    error.received = upload.received  # type: ignore[attr-defined]
    return error


def put_chunk(
    upload: Upload,
    offset: int,
    body: Iterable[bytes],
    store: ArtefactStore,
    *,
    chunk_limit: int,
) -> Upload:
    """Store one chunk at ``offset``; see the module text for the rules."""
    if upload.status != Upload.OPEN:
        raise EvidenceError("upload_closed", "This upload is already finished.")
    _still_draft(upload)
    if offset > upload.received:
        event("evidence.chunk_refused", upload=upload.id, reason="gap", offset=offset)
        raise _resume_from(
            upload,
            "A chunk is missing before this one; resend from the offset given.",
            "out_of_order",
        )
    if offset < upload.received:
        return _repeat(upload, offset, body, store, chunk_limit)
    in_place = assembly.in_place(upload, store)
    # In place, under an announced digest, the chunk is not hashed on its
    # own (see ``upload_assembly``): its recorded sha256 stays empty.
    hashing = not (in_place and upload.expected_sha256)
    if in_place:
        key = assembly.whole_key(upload.id)
        try:
            pending = store.write_part(key, offset)
        except StorageBusy:
            raise EvidenceError(
                "upload_closed", "This upload is already finished."
            ) from None
    else:
        key = _chunk_key(upload.id, offset)
        pending = store.begin()
    digest = hashlib.sha256()
    size = 0
    try:
        for data in body:
            size += len(data)
            if size > chunk_limit or offset + size > upload.total_size:
                raise IntakeRefused(
                    "chunk_too_large",
                    "The upload is larger than announced. Nothing was kept.",
                    status=413,
                )
            if hashing:
                digest.update(data)
            pending.write(data)
        if size == 0:
            raise IntakeRefused("empty_chunk", "An empty chunk was sent.")
        pending.commit(key)
    except BaseException:
        pending.abort()
        raise
    # Only the request that moved ``received`` on owns the chunk.
    moved = db.session.execute(
        update(Upload)
        .where(Upload.id == upload.id, Upload.received == offset)
        .values(received=offset + size, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        if not in_place:
            store.delete(key)
        db.session.refresh(upload)
        raise _resume_from(upload, "Another chunk arrived first.", "out_of_order")
    db.session.add(
        UploadChunk(
            upload_id=upload.id,
            offset=offset,
            size=size,
            sha256=digest.hexdigest() if hashing else "",
            storage_key=key,
        )
    )
    db.session.flush()
    db.session.refresh(upload)
    return upload


def _same_digest(stored: UploadChunk, body: Iterable[bytes], chunk_limit: int) -> bool:
    digest = hashlib.sha256()
    size = 0
    for data in body:
        size += len(data)
        if size > chunk_limit:
            return False
        digest.update(data)
    return stored.size == size and stored.sha256 == digest.hexdigest()


def _repeat(
    upload: Upload,
    offset: int,
    body: Iterable[bytes],
    store: ArtefactStore,
    chunk_limit: int,
) -> Upload:
    """A chunk sent again after a drop: same bytes are fine, others clash."""
    stored = db.session.scalar(
        select(UploadChunk).where(
            UploadChunk.upload_id == upload.id, UploadChunk.offset == offset
        )
    )
    if stored is None:
        same = False
    elif stored.sha256:
        same = _same_digest(stored, body, chunk_limit)
    else:
        same = assembly.matches_stored(store, stored, body)
    if not same:
        event("evidence.chunk_refused", upload=upload.id, reason="clash", offset=offset)
        raise _resume_from(
            upload,
            "Different bytes were sent for a part already received.",
            "chunk_clash",
        )
    return upload


def _stream_chunks(chunks: list[UploadChunk], store: ArtefactStore) -> Iterator[bytes]:
    for chunk in chunks:
        yield from store.read(chunk.storage_key)


def finish(
    activity: Activity,
    upload: Upload,
    store: ArtefactStore,
    *,
    limit: int,
    declared_type: str = "",
    rules: TicketRules | None = None,
) -> Artefact:
    """Verify the whole upload through intake and make it an artefact."""
    if upload.status != Upload.OPEN:
        raise EvidenceError("upload_closed", "This upload is already finished.")
    if upload.received != upload.total_size:
        raise _resume_from(
            upload,
            "The recording has not fully arrived yet; the upload resumes "
            "from where it stopped.",
            "incomplete",
        )
    submission = db.session.get(Submission, upload.submission_id)
    if submission.status != Submission.DRAFT:
        raise EvidenceError("submitted", "This attempt is already submitted.")
    if upload.kind == "recording":
        _take_left(activity, submission, upload, store)
    if assembly.in_place(upload, store):
        pieces, pending = assembly.assembled(upload, store)
    else:
        chunks = sorted(upload.chunks, key=lambda c: c.offset)
        pieces, pending = _stream_chunks(chunks, store), None
    try:
        received = intake.receive(
            pieces,
            store,
            pending=pending,
            limit=limit,
            allowed=activity.allowed_types(upload.kind),
            declared_type=declared_type,
            expected_size=upload.total_size,
            expected_sha256=upload.expected_sha256,
        )
    except IntakeRefused as refused:
        upload.status = Upload.FAILED
        upload.failure = refused.code
        discard_chunks(upload, store)
        raise
    measured = media_duration.measure(
        store, received.storage_key, received.size, received.media_type
    )
    mode = recording_tickets.UPLOADED
    if rules is not None:
        mode = recording_tickets.confirm(upload, measured, rules)
    artefact = evidence.add_artefact(
        activity,
        submission,
        received,
        kind=upload.kind,
        original_name=upload.original_name,
        duration=upload.duration_seconds,
        measured=measured,
        caption=upload.caption,
        capture_mode=mode,
    )
    upload.status = Upload.DONE
    upload.artefact_id = artefact.id
    discard_chunks(upload, store)
    return artefact


def _take_left(
    activity: Activity, submission: Submission, upload: Upload, store: ArtefactStore
) -> None:
    """Refuse a take begun while a take was left but finished after the last.

    Checked before the bytes become an object: refused later, they stayed
    in storage with no artefact, and the upload waited on a file already
    moved. Limit: two takes finishing at the same moment both pass here,
    and the loser's object stays until someone removes it by hand.
    """
    try:
        evidence.check_take_allowed(activity, submission)
    except EvidenceError as refused:
        upload.status = Upload.FAILED
        upload.failure = refused.code
        discard_chunks(upload, store)
        raise IntakeRefused(refused.code, refused.message, status=409) from None


def discard_chunks(upload: Upload, store: ArtefactStore) -> None:
    for chunk in list(upload.chunks):
        store.delete(chunk.storage_key)
        db.session.delete(chunk)
    if assembles_in_place(store):
        store.delete(assembly.whole_key(upload.id))
        store.delete(assembly.sealed_key(upload.id))
    db.session.flush()


def sweep(store: ArtefactStore, keep: timedelta, now: datetime | None = None) -> int:
    """Remove chunks of uploads left unfinished for longer than ``keep``."""
    cutoff = (now or utcnow()) - keep
    stale = db.session.scalars(
        select(Upload).where(Upload.status == Upload.OPEN, Upload.updated_at < cutoff)
    ).all()
    for upload in stale:
        discard_chunks(upload, store)
        upload.status = Upload.FAILED
        upload.failure = "abandoned"
        event("evidence.upload_swept", upload=upload.id)
    return len(stale)
