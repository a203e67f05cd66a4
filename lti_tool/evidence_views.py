"""The learner's evidence pages and endpoints, inside the LMS iframe.

Every request carries the launch token (``lt``), never a cookie. Files
arrive as a raw body (the page's script, with progress) or as a form (no
script); both stream through ``lti_tool.intake``. Long recordings use the
resumable endpoints in ``upload_views``. Errors are a page the iframe can
show, or JSON for scripts.
"""

from __future__ import annotations

import json
import logging
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
)
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from lti_tool import (
    assessments,
    deadlines,
    evidence,
    evidence_access,
    intake,
    media,
    media_duration,
)
from lti_tool.body_limits import read_whole, says_when_too_large
from lti_tool.db import db, row_number
from lti_tool.events import event
from lti_tool.evidence import Activity, EvidenceError
from lti_tool.intake import MAX_TEXT_CHARS, TEXT_TOO_LONG, IntakeRefused
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import Launch, Submission
from lti_tool.receipts import claims_for, sign
from lti_tool.roles import CourseRole
from lti_tool.services import services
from lti_tool.storage import build_store
from lti_tool.typed_work import keeps_typed

bp = Blueprint("evidence", __name__)


def wants_json() -> bool:
    if request.headers.get("X-Requested-With") == "pathmark":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _error_response(code: str, message: str, status: int, **extra) -> Response:
    if wants_json():
        body = {"error": code, "message": message, **extra}
        return Response(json.dumps(body), status=status, mimetype="application/json")
    launch = g.get("launch")
    back = launch_url("pages.activity", launch_id=launch.id) if launch else None
    html = render_template(
        "learner/refused.html",
        title="Your evidence was not saved" if status in {413, 415} else message,
        action=message,
        reason=code,
        status=status,
        back=back,
    )
    return Response(html, status=status)


def learner_launch(launch_id: str, query_only: bool = False) -> tuple[Launch, Activity]:
    launch = current_launch(launch_id, role=CourseRole.LEARNER, query_only=query_only)
    if launch.resource_link is None:
        raise EvidenceError("no_activity", "This launch has no activity.", 400)
    return launch, evidence.activity_for(launch.resource_link)


def _draft(launch: Launch, activity: Activity) -> Submission:
    number = row_number(request.values.get("submission", ""))
    if number is None:
        raise EvidenceError("no_attempt", "The form did not name an attempt.", 400)
    return evidence.owned_draft(number, launch)


def _back(launch: Launch, anchor: str | None = None, **extra) -> Response:
    """Back to the activity page, at ``anchor`` when the news is further down."""
    if wants_json():
        return Response(json.dumps(extra), mimetype="application/json")
    page = launch_url("pages.activity", launch_id=launch.id, _anchor=anchor)
    return redirect(page, code=303)


def sign_receipt(submission: Submission) -> str:
    claims = claims_for(submission, current_app.config["BASE_URL"])
    return sign(services().keyring, claims)


def artefact_json(artefact) -> dict:
    return {
        "id": artefact.id,
        "sha256": artefact.sha256,
        "size": artefact.size,
        "media_type": artefact.media_type,
        "name": artefact.original_name,
        "kind": artefact.kind,
        "capture_mode": artefact.capture_mode,
        "received_at": artefact.received_at.isoformat(),
    }


def _number(name: str) -> float | None:
    try:
        value = float(request.values.get(name, ""))
    except ValueError:
        return None
    return value if 0 <= value < 86_400 else None


# Page context for the learner's activity page (pages.activity renders it).


def learner_context(launch: Launch) -> dict:
    activity = evidence.activity_for(launch.resource_link)
    history = evidence.attempts(activity.link.id, launch.person_id)
    last = history[-1] if history else None
    draft = last if last is not None and last.status == Submission.DRAFT else None
    return {
        "activity": activity,
        "requirements": activity.requirements,
        "attempts": history,
        "return_notes": assessments.return_notes(
            [s.id for s in history if s.status == Submission.RETURNED]
        ),
        "draft": draft,
        "last": last,
        "may_start": last is None or evidence.may_start_again(activity, last),
        "pieces": evidence.active_artefacts(draft) if draft else [],
        "first_visit": not history,
        "statement": current_app.config["OWN_WORK_STATEMENT"],
        "submit_key": secrets.token_urlsafe(24),
        "due": deadlines.due_at(activity.link.id, launch),
        "limit": activity.limit(current_app.config["MAX_UPLOAD_BYTES"]),
        "chunk_bytes": current_app.config["UPLOAD_CHUNK_BYTES"],
        "max_caption": evidence.MAX_CAPTION_CHARS,
        "retention_days": current_app.config["MEDIA_RETENTION_DAYS"],
        "accept": {
            kind: ",".join(activity.allowed_types(kind))
            for kind in ("recording", "upload")
        },
    }


# Learner actions


@bp.post("/evidence/<launch_id>/start")
def start(launch_id: str):
    launch, activity = learner_launch(launch_id)
    submission = evidence.draft_for(activity, launch)
    db.session.commit()
    return _back(launch, submission=submission.id)


@bp.post("/evidence/<launch_id>/prompt")
def prompt(launch_id: str):
    """The task prompt, revealed when recording starts; the moment is logged."""
    launch, activity = learner_launch(launch_id)
    submission = _draft(launch, activity)
    event("evidence.prompt_revealed", submission=submission.id)
    body = {"prompt": activity.requirements.prompt}
    return Response(json.dumps(body), mimetype="application/json")


@bp.post("/evidence/<launch_id>/files")
def upload_file(launch_id: str):
    launch, activity = learner_launch(launch_id, query_only=True)
    limit = activity.limit(current_app.config["MAX_UPLOAD_BYTES"])
    multipart = request.mimetype == "multipart/form-data"
    # Evidence: the artefact's limit applies, plus a form's overhead
    # (Werkzeug spools a form's file to disk; intake holds a raw body to the
    # limit while it streams). Bodies read whole keep the page limit.
    if not read_whole(request.mimetype):
        request.max_content_length = limit + 64 * 1024
    try:
        submission = _draft(launch, activity)
    except RequestEntityTooLarge:
        raise intake.too_big(limit) from None
    kind = request.values.get("kind", "upload")
    if kind not in {"upload", "recording"}:
        raise EvidenceError("kind_not_allowed", "Unknown kind of evidence.", 400)
    if kind not in activity.requirements.kinds:
        raise EvidenceError("kind_not_allowed", "This task does not take that kind.")
    if kind == "recording":
        evidence.check_take_allowed(activity, submission)
    store = media.store()
    mimetype = request.mimetype
    if multipart:
        sent = request.files.get("file")
        if sent is None:
            raise IntakeRefused("empty", "Choose a file first.")
        name, declared = sent.filename or "", sent.mimetype or ""
        chunks = intake.pieces(sent.stream)
        expected = None
    else:
        name = request.args.get("name", "")
        declared = mimetype or ""
        chunks = intake.pieces(request.stream)
        expected = request.content_length
    try:
        received = intake.receive(
            chunks,
            store,
            limit=limit,
            allowed=activity.allowed_types(kind),
            declared_type=declared,
            expected_size=expected,
        )
    except ClientDisconnected:
        raise IntakeRefused(
            "truncated",
            "The upload stopped before the whole file arrived. Nothing was "
            "kept; please try again.",
        ) from None
    artefact = evidence.add_artefact(
        activity,
        submission,
        received,
        kind=kind,
        original_name=name,
        duration=_number("duration"),
        measured=media_duration.measure(
            store, received.storage_key, received.size, received.media_type
        ),
        caption=request.values.get("caption", ""),
    )
    db.session.commit()
    return _back(launch, artefact=artefact_json(artefact))


@bp.post("/evidence/<launch_id>/text")
@keeps_typed({"text": "Your text"})
@says_when_too_large(TEXT_TOO_LONG)
def add_text(launch_id: str):
    launch, activity = learner_launch(launch_id)
    submission = _draft(launch, activity)
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text:
        raise IntakeRefused("empty", "Write your text first.")
    if len(text) > MAX_TEXT_CHARS:
        raise IntakeRefused(
            "too_large", f"Texts are limited to {MAX_TEXT_CHARS} characters.", 413
        )
    words = len(text.split())
    req = activity.requirements
    if req.min_words and words < req.min_words:
        raise IntakeRefused(
            "too_few_words",
            f"Your text has {words} words; this task needs at least {req.min_words}.",
        )
    if req.max_words and words > req.max_words:
        raise IntakeRefused(
            "too_many_words",
            f"Your text has {words} words; this task allows at most {req.max_words}.",
        )
    return _typed(launch, activity, submission, "text", text.encode() + b"\n")


@bp.post("/evidence/<launch_id>/link")
def add_link(launch_id: str):
    launch, activity = learner_launch(launch_id)
    submission = _draft(launch, activity)
    url = request.form.get("url", "").strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > 2000:
        raise IntakeRefused(
            "bad_link", "Give a full web address starting with https://."
        )
    return _typed(launch, activity, submission, "link", url.encode() + b"\r\n")


def _typed(launch, activity, submission, kind: str, data: bytes) -> Response:
    received = intake.receive(
        [data],
        media.store(),
        limit=activity.limit(current_app.config["MAX_UPLOAD_BYTES"]),
        allowed=activity.allowed_types(kind),
    )
    artefact = evidence.add_artefact(activity, submission, received, kind=kind)
    db.session.commit()
    return _back(launch, artefact=artefact_json(artefact))


@bp.post("/evidence/<launch_id>/withdraw")
def withdraw(launch_id: str):
    launch, activity = learner_launch(launch_id)
    submission = _draft(launch, activity)
    evidence.withdraw(submission, request.form.get("artefact", ""))
    db.session.commit()
    return _back(launch)


@bp.post("/evidence/<launch_id>/consent")
def consent(launch_id: str):
    launch, activity = learner_launch(launch_id)
    submission = _draft(launch, activity)
    evidence.record_consent(
        submission,
        request.form.get("participant", ""),
        request.form.get("statement", "agreed to be recorded for this assessment"),
    )
    db.session.commit()
    return _back(launch)


@bp.post("/evidence/<launch_id>/submit")
def submit(launch_id: str):
    launch, activity = learner_launch(launch_id)
    number = row_number(request.form.get("submission", ""))
    submission = evidence.owned(0 if number is None else number, launch)
    submit_key = request.form.get("submit_key", "")
    if not 16 <= len(submit_key) <= 64:
        raise EvidenceError("no_submit_key", "Reload the page and submit again.", 400)
    submission, _ = evidence.submit(
        activity,
        submission,
        launch,
        own_work=request.form.get("own_work") == "yes",
        statement=current_app.config["OWN_WORK_STATEMENT"],
        submit_key=submit_key,
        sign_receipt=sign_receipt,
        sender=current_app._get_current_object(),
    )
    db.session.commit()
    # The confirmation and receipt sit below the task and rubric: land on them.
    return _back(
        launch,
        anchor=f"receipt-{submission.id}",
        submission=submission.id,
        receipt=submission.receipt,
    )


# Reading evidence back: the learner's own, or staff of the course.


@bp.get("/evidence/<launch_id>/artefacts/<artefact_id>")
def artefact(launch_id: str, artefact_id: str):
    launch = current_launch(launch_id)
    found = evidence_access.visible_artefact(launch, artefact_id)
    event("evidence.media_served", artefact=found.id, person=launch.person_id)
    return media.serve(found, download=request.args.get("download") == "1")


@bp.get("/evidence/<launch_id>/submissions/<int:submission_id>/receipt")
def receipt(launch_id: str, submission_id: int):
    launch = current_launch(launch_id)
    submission = db.session.get(Submission, submission_id)
    if submission is None or not evidence_access.may_view(launch, submission):
        raise EvidenceError("not_found", "There is no such submission.", 404)
    if not submission.receipt:
        raise EvidenceError("no_receipt", "A draft has no receipt yet.", 404)
    response = Response(submission.receipt + "\n", mimetype="application/jose")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="pathmark-receipt-{submission.id}.jws"'
    )
    return response


@bp.post("/evidence/<launch_id>/artefacts/<artefact_id>/links")
def create_media_link(launch_id: str, artefact_id: str):
    launch = current_launch(launch_id)
    found = evidence_access.visible_artefact(launch, artefact_id)
    link, token = media.create_link(found, launch.person_id)
    db.session.commit()
    url = media.link_url(token)
    body = {"id": link.id, "url": url, "expires_at": link.expires_at.isoformat()}
    return Response(json.dumps(body), status=201, mimetype="application/json")


@bp.post("/evidence/<launch_id>/media-links/<int:link_id>/revoke")
def revoke_media_link(launch_id: str, link_id: int):
    from lti_tool.models import MediaLink

    launch = current_launch(launch_id)
    link = db.session.get(MediaLink, link_id)
    if link is None:
        raise EvidenceError("not_found", "There is no such link.", 404)
    artefact = evidence_access.visible_artefact(launch, link.artefact_id)
    if not evidence_access.may_revoke(launch, link, artefact):
        event(
            "evidence.refused",
            logging.WARNING,
            reason="not_link_owner",
            link=link.id,
            person=launch.person_id,
        )
        raise EvidenceError(
            "not_yours",
            "Only the person who made this link, or the course's staff, can revoke it.",
            403,
        )
    media.revoke(link)
    db.session.commit()
    return Response(status=204)


@bp.get("/media/<token>")
def media_link(token: str):
    return media.serve(media.open_link(token))


def init_app(app: Flask) -> None:
    app.extensions["pathmark.store"] = build_store(app.config, app.instance_path)
    app.add_template_filter(evidence.capture_label)

    @app.errorhandler(IntakeRefused)
    def intake_refused(exc: IntakeRefused) -> Response:
        db.session.rollback()
        event(
            "evidence.intake_refused",
            logging.WARNING,
            reason=exc.code,
            status=exc.status,
            path=request.path,
        )
        return _error_response(exc.code, exc.message, exc.status, **exc.detail)

    @app.errorhandler(EvidenceError)
    def evidence_refused(exc: EvidenceError) -> Response:
        db.session.rollback()
        event(
            "evidence.refused",
            logging.WARNING,
            reason=exc.code,
            status=exc.status,
            path=request.path,
        )
        extra = {}
        if hasattr(exc, "received"):
            extra["received"] = exc.received
        return _error_response(exc.code, exc.message, exc.status, **extra)
