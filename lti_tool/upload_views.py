"""Endpoints of resumable uploads (see ``lti_tool.uploads`` for the rules).

``POST .../uploads`` announces an upload (JSON: kind, size, name, sha256,
duration, caption, type) and answers its id and chunk size. ``PUT
.../uploads/<id>?offset=N`` sends one chunk as the raw body. ``GET
.../uploads/<id>`` says how many bytes arrived, so a page that lost its
connection (or a new launch of the same learner) resumes from there.
``POST .../uploads/<id>/finish`` verifies the whole and makes the artefact.
``POST .../recording-ticket`` is called when the recorder starts; the ticket
it answers lets the take count as recorded in Pathmark
(``lti_tool.recording_tickets``).

When the launch token expires mid-upload, every request is refused with a
JSON ``session_expired`` error before it touches the upload; the page keeps
the take on the device and resumes it under the learner's next launch.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from lti_tool import evidence, intake, media, recording_tickets, uploads
from lti_tool.db import db, row_number
from lti_tool.errors import refusal_response
from lti_tool.events import event
from lti_tool.evidence import EvidenceError
from lti_tool.evidence_views import artefact_json, learner_launch, wants_json
from lti_tool.intake import IntakeRefused
from lti_tool.models import Upload
from lti_tool.recording_tickets import TicketRules
from lti_tool.refusals import LaunchRefused, Reason

bp = Blueprint("uploads", __name__)

SESSION_ENDED = (
    "Your session in the course has ended. Your recording is kept on this "
    "device; open the activity again from the course to finish sending it."
)


@bp.errorhandler(LaunchRefused)
def launch_refused(refusal: LaunchRefused) -> Response:
    """An expired session mid-upload: say what to do, change nothing."""
    if refusal.reason is not Reason.SESSION_EXPIRED or not wants_json():
        return refusal_response(refusal)
    db.session.rollback()
    event(
        "evidence.upload_refused",
        logging.WARNING,
        reason="session_expired",
        detail=refusal.detail or None,
        upload=(request.view_args or {}).get("upload_id"),
        path=request.path,
    )
    body = {"error": "session_expired", "message": SESSION_ENDED}
    return Response(json.dumps(body), status=401, mimetype="application/json")


def _rules() -> TicketRules:
    cfg = current_app.config
    return TicketRules(
        lifetime=timedelta(seconds=cfg["RECORDING_TICKET_SECONDS"]),
        slack=timedelta(seconds=cfg["RECORDING_TICKET_SLACK_SECONDS"]),
    )


def _state(upload: Upload) -> Response:
    body = {
        "id": upload.id,
        "received": upload.received,
        "size": upload.total_size,
        "status": upload.status,
        "chunk_bytes": current_app.config["UPLOAD_CHUNK_BYTES"],
    }
    return Response(json.dumps(body), mimetype="application/json")


def _whole(value: object) -> bool:
    """A JSON integer; ``true`` is not 1 here."""
    return isinstance(value, int) and not isinstance(value, bool)


@bp.post("/evidence/<launch_id>/uploads")
def begin(launch_id: str):
    launch, activity = learner_launch(launch_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise IntakeRefused("bad_request", "The request body is not a JSON object.")
    submission_id = data.get("submission")
    if not _whole(submission_id):
        raise EvidenceError("no_attempt", "The request did not name an attempt.", 400)
    submission = evidence.owned_draft(submission_id, launch)
    size = data.get("size")
    if not _whole(size):
        raise IntakeRefused("no_size", "The request did not give the file's size.")
    digest = data.get("sha256")
    if digest is not None and not isinstance(digest, str):
        raise IntakeRefused("bad_digest", "The announced SHA-256 is not valid.")
    kind = data.get("kind", "recording")
    if not isinstance(kind, str):
        raise EvidenceError("kind_not_allowed", "This task does not take that kind.")
    duration = data.get("duration")
    timed = isinstance(duration, int | float) and not isinstance(duration, bool)
    ticket = data.get("ticket")
    upload = uploads.start(
        activity,
        submission,
        launch,
        kind=kind,
        total_size=size,
        limit=activity.limit(current_app.config["MAX_UPLOAD_BYTES"]),
        original_name=str(data.get("name", "")),
        expected_sha256=digest or None,
        duration=float(duration) if timed else None,
        caption=str(data.get("caption", "")),
        ticket=ticket if isinstance(ticket, str) else None,
        rules=_rules(),
        store=media.store(),
    )
    db.session.commit()
    response = _state(upload)
    response.status_code = 201
    return response


@bp.post("/evidence/<launch_id>/recording-ticket")
def recording_ticket(launch_id: str):
    """A ticket for the take whose recording starts now."""
    launch, activity = learner_launch(launch_id)
    number = row_number(request.values.get("submission", ""))
    if number is None:
        raise EvidenceError("no_attempt", "The request did not name an attempt.", 400)
    submission = evidence.owned_draft(number, launch)
    if "recording" not in activity.requirements.kinds:
        raise EvidenceError("kind_not_allowed", "This task does not take that kind.")
    evidence.check_take_allowed(activity, submission)
    token = recording_tickets.issue(launch, submission)
    db.session.commit()
    body = {"ticket": token}
    return Response(json.dumps(body), status=201, mimetype="application/json")


@bp.get("/evidence/<launch_id>/uploads/<upload_id>")
def status(launch_id: str, upload_id: str):
    launch, _activity = learner_launch(launch_id)
    return _state(uploads.owned(upload_id, launch))


@bp.put("/evidence/<launch_id>/uploads/<upload_id>")
def chunk(launch_id: str, upload_id: str):
    launch, _activity = learner_launch(launch_id)
    upload = uploads.owned(upload_id, launch)
    offset = row_number(request.args.get("offset", ""))
    if offset is None:
        raise IntakeRefused("no_offset", "The chunk did not say where it belongs.")
    # A chunk's own size limit applies here, not the page limit. put_chunk
    # holds a chunk to it exactly (a repeat is compared with what arrived
    # first); the body is refused unread only when far beyond it.
    limit = current_app.config["UPLOAD_CHUNK_BYTES"]
    request.max_content_length = 2 * limit
    try:
        uploads.put_chunk(
            upload,
            offset,
            intake.pieces(request.stream),
            media.store(),
            chunk_limit=limit,
        )
    except RequestEntityTooLarge:
        db.session.rollback()
        raise IntakeRefused(
            "chunk_too_large",
            "The upload is larger than announced. Nothing was kept.",
            status=413,
        ) from None
    except ClientDisconnected:
        db.session.rollback()
        raise EvidenceError(
            "chunk_cut", "The connection dropped; the upload will resume.", 400
        ) from None
    db.session.commit()
    return _state(upload)


@bp.post("/evidence/<launch_id>/uploads/<upload_id>/finish")
def finish(launch_id: str, upload_id: str):
    launch, activity = learner_launch(launch_id)
    upload = uploads.owned(upload_id, launch)
    data = request.get_json(silent=True) or {}
    try:
        artefact = uploads.finish(
            activity,
            upload,
            media.store(),
            limit=activity.limit(current_app.config["MAX_UPLOAD_BYTES"]),
            declared_type=str(data.get("type", "")),
            rules=_rules(),
        )
    except IntakeRefused:
        # The failed state and the removal of its chunks are kept.
        db.session.commit()
        raise
    db.session.commit()
    body = {"artefact": artefact_json(artefact)}
    return Response(json.dumps(body), mimetype="application/json")
