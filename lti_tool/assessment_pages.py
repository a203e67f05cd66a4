"""Mentor and moderator pages, and the learner's released results.

Thin views: each turns the form into arguments for ``assessments``,
``releases`` or ``mentor_queue`` and the result into a page. Every page
is opened with the launch token (``lt``) in the URL or form, so it works
inside an LMS iframe with third-party cookies blocked; the token is also
what ties a form post to the launch that rendered it.
"""

from __future__ import annotations

from functools import partial

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)

from lti_tool import (
    assessments,
    calibration,
    catalogue,
    comment_bank,
    grading,
    mentor_queue,
    releases,
    rubrics,
)
from lti_tool.assessment_rights import Actor
from lti_tool.assessments import RosterSource
from lti_tool.consistency import consistency as agreement_per_credential
from lti_tool.db import db, row_number
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import Assessment, Launch
from lti_tool.moderation import Action, Code, Refused
from lti_tool.roster import Member, NamesRoles, RosterUnavailable
from lti_tool.services import services
from lti_tool.typed_work import keeps_typed
from lti_tool.vocab import Claim

bp = Blueprint("assessment", __name__)


def actor_of(launch: Launch) -> Actor:
    roles = launch.claims.get(Claim.ROLES) or []
    return Actor(
        person_id=launch.person_id,
        course_id=launch.course_id,
        roles=tuple(r for r in roles if isinstance(r, str)),
    )


def _revision() -> int:
    try:
        return int(request.form.get("revision", "0"))
    except ValueError:
        return -1  # never matches: treated as a stale screen


def form_fields(prefix: str) -> dict[str, str]:
    """The posted fields named ``<prefix><id>``, by id."""
    return {
        k[len(prefix) :]: v for k, v in request.form.items() if k.startswith(prefix)
    }


def _names_roles() -> NamesRoles:
    tokens = grading.grade_sync(current_app).tokens
    return NamesRoles(services().http, tokens.get, current_app.config["HTTP_TIMEOUT"])


def roster_source(launch: Launch) -> RosterSource:
    """The course roster as ``sole_verifier`` reads it: on first use, once.

    ``None`` when the launch offers no roster (NRPS); ``RosterUnavailable``
    when it offers one the LMS does not deliver.
    """
    found: list[list[Member] | None] = []

    def read() -> list[Member] | None:
        if not found:
            claim = launch.claims.get(Claim.NRPS)
            offered = isinstance(claim, dict) and claim.get("context_memberships_url")
            found.append(_names_roles().members(launch) if offered else None)
        return found[0]

    return read


def refusal(exc: Refused, launch: Launch):
    db.session.rollback()
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if best == "application/json":
        return jsonify(error=exc.code.value, message=exc.message), exc.status
    html = render_template(
        "assessment/refused.html", launch=launch, message=exc.message, code=exc.code
    )
    return html, exc.status


@bp.get("/assess/<launch_id>/queue")
def queue(launch_id: str):
    launch = current_launch(launch_id)
    link_id = None if request.args.get("scope") == "course" else launch.resource_link_id
    pages = {}
    for name in mentor_queue.BUCKETS:
        number = row_number(request.args.get(f"page-{name}", ""))
        if number is not None:
            pages[name] = number
    try:
        found = mentor_queue.queue(
            actor_of(launch), link_id, pages, roster=roster_source(launch)
        )
    except Refused as exc:
        return refusal(exc, launch)
    definition = catalogue.for_link(launch.resource_link)
    onboarding = mentor_queue.first_visit(actor_of(launch))
    practice_items = 0
    if onboarding:
        key = definition.key if definition else None
        practice_items = len(calibration.practice_set(actor_of(launch), key))
    return render_template(
        "assessment/queue.html",
        launch=launch,
        queue=found,
        onboarding=onboarding,
        practice_items=practice_items,
        definition=definition,
        titles=mentor_queue.TITLES,
        course_scope=link_id is None,
        moderator=actor_of(launch).moderator,
        page_url=partial(_queue_page_url, launch),
    )


def _queue_page_url(launch: Launch, bucket: str, number: int) -> str:
    """The queue as it is shown now, with one bucket on another page."""
    values = {k: v for k, v in request.args.items() if k != "lt"}
    values[f"page-{bucket}"] = number
    url = launch_url("assessment.queue", launch_id=launch.id, **values)
    return f"{url}#{bucket}"


@bp.get("/assess/<launch_id>/roster")
def roster(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    try:
        mentor_queue.check_rights(actor, launch.resource_link_id)
    except Refused as exc:
        return refusal(exc, launch)
    try:
        members = _names_roles().members(launch)
    except RosterUnavailable as exc:
        return render_template(
            "assessment/roster.html", launch=launch, unavailable=str(exc)
        )
    missing = []
    if launch.resource_link_id is not None:
        missing = mentor_queue.not_submitted(
            members, launch.resource_link_id, launch.registration_id
        )
    return render_template(
        "assessment/roster.html",
        launch=launch,
        members=members,
        missing=missing,
        unavailable=None,
    )


def _render_sheet(
    launch, sheet, *, posted=None, message=None, status=200, adjusting=None
):
    assessment = sheet.assessment
    if posted and posted.get("levels"):
        chosen = rubrics.shown_choices(sheet.definition.rubric, posted["levels"])
    else:
        chosen = assessment.levels if assessment else {}
    notes = (posted or {}).get("notes") or (assessment.notes if assessment else {})
    # The gentle check on what the mentor wrote, beside each note; the live
    # check (feedback_check_pages) keeps it current while they type.
    checks = rubrics.check_feedback(
        sheet.definition, {k: int(v) for k, v in chosen.items()}, notes
    )
    actor = actor_of(launch)
    final = releases.final_scoring(assessment) if assessment else None
    own = assessment is not None and assessment.assessor_id == actor.person_id
    practice = None
    if actor.moderator and sheet.status in ("moderated", "released"):
        item = calibration.item_of(sheet.submission.id)
        in_set = item is not None and item.retired_at is None
        reason = calibration.why_not(sheet.submission, assessment, actor.course_id)
        practice = {"in_set": in_set, "reason": reason}
    self_check = own and releases.self_verification_open(
        actor, assessment, roster_source(launch)
    )
    # On asking to score blind, the assessor's levels, notes and the check
    # on them stay hidden until the moderator has saved levels of their own.
    blind_view = (
        actor.moderator
        and not own
        and sheet.status == "scored"
        and assessment.moderation_required
        and (request.args.get("blind") == "1" or bool(adjusting and adjusting["blind"]))
    )
    if blind_view:
        checks = {}
    html = render_template(
        "assessment/sheet.html",
        launch=launch,
        sheet=sheet,
        definition=sheet.definition,
        assessment=assessment,
        final=final,
        standard=rubrics.standard_text,
        chosen=chosen,
        notes=notes,
        checks=checks,
        overall=(posted or {}).get("overall", assessment.overall if assessment else ""),
        posted=posted,
        message=message,
        warnings=[w for found in checks.values() for w in found],
        moderator=actor.moderator,
        bank=comment_bank.bank_for(sheet.definition, actor.course_id),
        own_scoring=own,
        practice=practice,
        self_check=self_check,
        blind_view=blind_view,
        adjusting=adjusting or {"levels": {}, "notes": {}},
        editable=sheet.status in ("new", "draft"),
    )
    return html, status


@bp.get("/assess/<launch_id>/submissions/<int:submission_id>")
def sheet(launch_id: str, submission_id: int):
    launch = current_launch(launch_id)
    try:
        found = assessments.sheet(actor_of(launch), submission_id)
    except Refused as exc:
        return refusal(exc, launch)
    return _render_sheet(launch, found)


@bp.post("/assess/<launch_id>/submissions/<int:submission_id>")
@keeps_typed({"note-": "Note on criterion {}", "overall": "Overall feedback"})
def save(launch_id: str, submission_id: int):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    posted = {
        "levels": form_fields("level-"),
        "notes": form_fields("note-"),
        "overall": request.form.get("overall", ""),
    }
    try:
        assessments.save(
            actor,
            submission_id,
            revision=_revision(),
            levels=posted["levels"],
            notes=posted["notes"],
            overall=posted["overall"],
            submit=request.form.get("action") == "submit",
        )
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        try:
            found = assessments.sheet(actor, submission_id)
        except Refused:
            return refusal(exc, launch)
        return _render_sheet(
            launch, found, posted=posted, message=exc.message, status=exc.status
        )
    return redirect(
        launch_url("assessment.sheet", launch_id=launch.id, submission_id=submission_id)
        + "#saved",
        code=303,
    )


@bp.post("/assess/<launch_id>/submissions/<int:submission_id>/return")
@keeps_typed({"note": "What to change"})
def give_back(launch_id: str, submission_id: int):
    launch = current_launch(launch_id)
    try:
        assessments.return_for_resubmission(
            actor_of(launch),
            submission_id,
            revision=_revision(),
            note=request.form.get("note", ""),
        )
        db.session.commit()
    except Refused as exc:
        return refusal(exc, launch)
    return redirect(launch_url("assessment.queue", launch_id=launch.id), code=303)


@bp.post("/assess/<launch_id>/assessments/<int:assessment_id>/moderate")
@keeps_typed({"note-": "Note on criterion {}", "note": "Note to the assessor"})
def moderate(launch_id: str, assessment_id: int):
    launch = current_launch(launch_id)
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        action = Action.SAVE  # refused below as "not a moderation"
    try:
        row = releases.moderate(
            actor_of(launch),
            assessment_id,
            revision=_revision(),
            action=action,
            levels=form_fields("level-"),
            notes=form_fields("note-"),
            note=request.form.get("note", ""),
            confirm_self=request.form.get("confirm_self") == "yes",
            blind=request.form.get("blind") == "yes",
            roster=roster_source(launch),
        )
        db.session.commit()
    except Refused as exc:
        if action is not Action.ADJUST or exc.code is not Code.BAD_SHEET:
            return refusal(exc, launch)
        return _refused_adjustment(launch, assessment_id, exc)
    return redirect(
        launch_url(
            "assessment.sheet", launch_id=launch.id, submission_id=row.submission_id
        ),
        code=303,
    )


def _refused_adjustment(launch: Launch, assessment_id: int, exc: Refused):
    """The sheet again with the moderator's own levels and notes, and why."""
    db.session.rollback()
    row = db.session.get(Assessment, assessment_id)
    found = assessments.sheet(actor_of(launch), row.submission_id)
    adjusting = {
        "levels": rubrics.shown_choices(found.definition.rubric, form_fields("level-")),
        "notes": form_fields("note-"),
        "blind": request.form.get("blind") == "yes",
    }
    return _render_sheet(
        launch, found, message=exc.message, status=exc.status, adjusting=adjusting
    )


@bp.post("/assess/<launch_id>/assessments/<int:assessment_id>/release")
def release(launch_id: str, assessment_id: int):
    launch = current_launch(launch_id)
    try:
        event = releases.release(
            actor_of(launch),
            assessment_id,
            revision=_revision(),
            sender=current_app.name,
        )
        db.session.commit()
    except Refused as exc:
        return refusal(exc, launch)
    return redirect(
        launch_url(
            "assessment.sheet", launch_id=launch.id, submission_id=event.submission_id
        ),
        code=303,
    )


@bp.post("/assess/<launch_id>/release")
def release_batch(launch_id: str):
    launch = current_launch(launch_id)
    try:
        mentor_queue.check_rights(actor_of(launch), launch.resource_link_id)
    except Refused as exc:
        return refusal(exc, launch)
    items = []
    for value in request.form.getlist("item"):
        ident, _, revision = value.partition(":")
        found = row_number(ident), row_number(revision)
        if found[0] is not None and found[1] is not None:
            items.append((found[0], found[1]))
    result = releases.release_many(actor_of(launch), items, sender=current_app.name)
    db.session.commit()
    return render_template("assessment/released.html", launch=launch, result=result)


@bp.get("/assess/<launch_id>/consistency")
def consistency(launch_id: str):
    launch = current_launch(launch_id)
    try:
        sections, names = agreement_per_credential(actor_of(launch))
    except Refused as exc:
        return refusal(exc, launch)
    return render_template(
        "assessment/consistency.html", launch=launch, sections=sections, names=names
    )


@bp.get("/results/<launch_id>")
def results(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    found = []
    if launch.resource_link_id is not None:
        found = releases.results_for(actor, launch.resource_link_id)
    items = []
    for row in found:
        definition = assessments.definition_for(row.submission)
        final = releases.final_scoring(row)
        scored = rubrics.compose(definition, final.levels, final.notes)
        items.append((row, scored, definition))
    return render_template("assessment/results.html", launch=launch, items=items)
