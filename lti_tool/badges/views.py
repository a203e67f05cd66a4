"""Badge pages and documents: public verification, status, DID, OB 2.0.

Public routes need no login and show no email and no media. The learner's
own badges page opens from a launch, like every page after a launch.
"""

from __future__ import annotations

import base64
import json
import logging

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
)
from sqlalchemy import select

from lti_tool import catalogue, rubric_view
from lti_tool.badges import credit, holder, images, issuance, ob2, stored
from lti_tool.badges.documents import OB_V3, VC_V2, bundled
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import BadgeAward, CredentialVersion, PathwayVersion
from lti_tool.models.badges import KIND_CREDENTIAL, KIND_PATHWAY
from lti_tool.roles import CourseRole

bp = Blueprint("badges", __name__)


@bp.app_template_filter("sri_hex")
def sri_hex(sri: str) -> str:
    """A ``sha256-<base64>`` digest in the hex form receipts and staff pages use."""
    if not isinstance(sri, str):
        return ""
    _, _, encoded = sri.partition("-")
    try:
        return base64.b64decode(encoded, validate=True).hex()
    except ValueError:
        return sri


LD_JSON = "application/ld+json"
JSON_TYPES = (LD_JSON, "application/vc+ld+json", "application/json")


def _json(document: dict, status: int = 200) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = Response(body, status=status, mimetype=LD_JSON)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _award(award_id: str) -> BadgeAward:
    award = db.session.get(BadgeAward, award_id)
    if award is None:
        abort(404)
    return award


def _wants_json() -> bool:
    """JSON only when asked for by name; ``*/*`` (curl, crawlers) gets the page."""
    best = request.accept_mimetypes.best_match(["text/html", *JSON_TYPES])
    return (
        best in JSON_TYPES
        and request.accept_mimetypes[best] > 0
        and any(value in JSON_TYPES for value, _ in request.accept_mimetypes)
    )


@bp.get("/.well-known/did.json")
def did_document():
    b = issuance.badges()
    if b.did_method != "web":
        abort(404)
    response = jsonify(b.issuer().did_document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/contexts/pathmark-v1.json")
def pathmark_context():
    return _json(bundled("pathmark-v1.json"))


@bp.get("/status/<int:list_id>")
def status(list_id: int):
    document = issuance.status_document(list_id)
    if document is None:
        abort(404)
    response = _json(document)
    response.headers["Cache-Control"] = "max-age=300"
    return response


@bp.get("/credentials/<award_id>")
def verification_page(award_id: str):
    award = _award(award_id)
    if _wants_json():
        return _json(award.document)
    verdict = issuance.verdict(award.document)
    if not verdict.signature:
        event(
            "badge_verification_failed",
            logging.WARNING,
            award=award.id,
            reason="unreadable" if not verdict.readable else "signature",
        )
    return render_template(
        "badges/verify.html",
        award=award,
        verdict=verdict,
        # Only what the signature vouches for is shown as the rubric.
        signed_rubric=(
            rubric_view.from_credential(award.document) if verdict.signature else None
        ),
        **stored.page_summary(award.document, verdict),
    )


@bp.get("/credentials/<award_id>/credential.json")
def credential_download(award_id: str):
    award = _award(award_id)
    response = _json(award.document)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="pathmark-{award.id}.json"'
    )
    return response


def _refuse(award: BadgeAward, reason: str, message: str):
    """A plain 404 for a badge whose stored credential cannot be served."""
    event("badge_document_refused", logging.WARNING, award=award.id, reason=reason)
    abort(Response(message + "\n", status=404, mimetype="text/plain"))


def _read(award: BadgeAward, signed: bool = False) -> stored.StoredBadge:
    """The award's route fields; with ``signed``, only from a verified credential.

    Answers 404 with a plain message (and logs why) when the stored document
    cannot be read, or, for documents served as Pathmark's word, when its
    signature does not verify.
    """
    try:
        badge = stored.read(award.document)
    except stored.Unreadable as exc:
        _refuse(award, str(exc), "This badge's stored credential cannot be read.")
    if signed and not issuance.signed(award.document):
        _refuse(award, "signature", "This badge's stored credential does not verify.")
    return badge


def _image(badge: stored.StoredBadge) -> bytes:
    return images.badge_png(badge.name, badge.image_tag)


@bp.get("/credentials/<award_id>/badge.png")
def credential_png(award_id: str):
    award = _award(award_id)
    badge = _read(award)
    payload = json.dumps(award.document, ensure_ascii=False)
    baked = images.bake_png(_image(badge), images.OB3_KEYWORD, payload)
    return Response(baked, mimetype="image/png")


def _fallback_image(kind: str, key: str) -> bytes | None:
    """The badge image from the catalogue, when no stored award can be read."""
    if kind == KIND_PATHWAY:
        for pathway in catalogue.pathways():
            if pathway.key == key:
                return images.badge_png(pathway.title, "")
        return None
    row = db.session.scalar(
        select(CredentialVersion)
        .join(BadgeAward, BadgeAward.credential_version_id == CredentialVersion.id)
        .where(BadgeAward.key == key)
        .order_by(CredentialVersion.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    definition = catalogue.definition(row)
    tags = [t for t in (definition.skill, definition.level) if t]
    return images.badge_png(definition.title, tags[-1] if tags else "")


@bp.get("/badges/images/<kind>/<key>.png")
def badge_image(kind: str, key: str):
    """One image for every holder: the first award whose credential reads."""
    if kind not in (KIND_CREDENTIAL, KIND_PATHWAY):
        abort(404)
    documents = db.session.scalars(
        select(BadgeAward.document)
        .where(BadgeAward.kind == kind, BadgeAward.key == key)
        .order_by(BadgeAward.issued_at)
        .execution_options(yield_per=50)
    )
    for document in documents:
        try:
            badge = stored.read(document)
        except stored.Unreadable:
            continue
        documents.close()
        return Response(_image(badge), mimetype="image/png")
    png = _fallback_image(kind, key)
    if png is None:
        abort(404)
    event("badge_image_from_catalogue", logging.WARNING, kind=kind, key=key)
    return Response(png, mimetype="image/png")


# Achievements ----------------------------------------------------------------


def _achievement(kind: str, key: str, number: int) -> dict:
    """The achievement a credential names by id, as the first award holds it.

    Achievement ids appear only inside issued credentials, so an award of
    that version always exists for an id seen in the wild.
    """
    version = {
        KIND_CREDENTIAL: (CredentialVersion, BadgeAward.credential_version_id),
        KIND_PATHWAY: (PathwayVersion, BadgeAward.pathway_version_id),
    }
    model, column = version[kind]
    document = db.session.scalar(
        select(BadgeAward.document)
        .join(model, model.id == column)
        .where(BadgeAward.kind == kind, BadgeAward.key == key, model.number == number)
        .order_by(BadgeAward.issued_at)
        .limit(1)
    )
    achievement = stored.mapping(stored.mapping(document).get("credentialSubject")).get(
        "achievement"
    )
    if not isinstance(achievement, dict):
        abort(404)
    return achievement


def _achievement_response(achievement: dict):
    if _wants_json():
        return _json({"@context": [VC_V2, OB_V3], **achievement})
    return render_template(
        "badges/achievement.html",
        achievement={
            **achievement,
            "criteria": stored.mapping(achievement.get("criteria")),
            "image": stored.mapping(achievement.get("image")),
        },
        levels=stored.items(achievement.get("resultDescription")),
        alignments=stored.items(achievement.get("alignment")),
    )


@bp.get("/achievements/<key>/v<int:number>")
def achievement(key: str, number: int):
    return _achievement_response(_achievement(KIND_CREDENTIAL, key, number))


@bp.get("/achievements/pathways/<key>/v<int:number>")
def pathway_achievement(key: str, number: int):
    return _achievement_response(_achievement(KIND_PATHWAY, key, number))


# Open Badges 2.0 -----------------------------------------------------------


@bp.get("/ob2/issuer")
def ob2_issuer():
    b = issuance.badges()
    return _json(ob2.issuer(b.base_url, b.name))


@bp.get("/ob2/badgeclasses/<kind>/<int:version_id>")
def ob2_badge_class(kind: str, version_id: int):
    """The badge class, from the first award of the version that verifies."""
    column = {
        KIND_CREDENTIAL: BadgeAward.credential_version_id,
        KIND_PATHWAY: BadgeAward.pathway_version_id,
    }.get(kind)
    if column is None:
        abort(404)
    awards = db.session.scalars(
        select(BadgeAward)
        .where(column == version_id)
        .order_by(BadgeAward.issued_at)
        .execution_options(yield_per=20)
    )
    for award in awards:
        try:
            badge = stored.read(award.document)
        except stored.Unreadable:
            continue
        if issuance.signed(award.document):
            awards.close()
            return _json(ob2.badge_class(issuance.badges().base_url, award, badge))
    abort(404)


@bp.get("/ob2/assertions/<award_id>")
def ob2_assertion(award_id: str):
    award = _award(award_id)
    base_url = issuance.badges().base_url
    if award.revoked:
        return _json(ob2.revoked_assertion(base_url, award), status=410)
    return _json(ob2.assertion(base_url, award, _read(award, signed=True)))


@bp.get("/ob2/assertions/<award_id>/badge.png")
def ob2_png(award_id: str):
    award = _award(award_id)
    if award.revoked:
        abort(410)
    badge = _read(award, signed=True)
    url = ob2.assertion_url(issuance.badges().base_url, award.id)
    return Response(
        images.bake_png(_image(badge), images.OB2_KEYWORD, url), mimetype="image/png"
    )


@bp.get("/ob2/assertions/<award_id>/badge.svg")
def ob2_svg(award_id: str):
    award = _award(award_id)
    if award.revoked:
        abort(410)
    badge = _read(award, signed=True)
    svg = images.bake_svg(
        badge.name,
        badge.image_tag,
        "assertion",
        ob2.assertion(issuance.badges().base_url, award, badge),
    )
    return Response(svg, mimetype="image/svg+xml")


# The learner's own badges --------------------------------------------------


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3)


def _my_badges_page(launch, did_form: dict | None = None, status: int = 200):
    b = issuance.badges()
    awards = db.session.scalars(
        select(BadgeAward)
        .where(BadgeAward.person_id == launch.person_id)
        .order_by(BadgeAward.issued_at.desc())
    ).all()
    cards = [
        {
            "award": a,
            "page": f"{b.base_url}/credentials/{a.id}",
            "linkedin": stored.linkedin_url(a, b.base_url),
            "qr": qr_svg(f"{b.base_url}/credentials/{a.id}"),
            "note": credit.current_note(a.id),
        }
        for a in awards
    ]
    did = holder.current(launch.person_id)
    form = did_form or {"value": did or "", "error": None}
    page = render_template(
        "badges/mine.html", launch=launch, cards=cards, stored_did=did, did_form=form
    )
    return page, status


@bp.get("/activity/<launch_id>/badges")
def my_badges(launch_id: str):
    launch = current_launch(launch_id, role=CourseRole.LEARNER)
    return _my_badges_page(launch)


@bp.post("/activity/<launch_id>/badges/did")
def subject_did(launch_id: str):
    """The learner's own DID for future badges (staff refused by the role check)."""
    launch = current_launch(launch_id, role=CourseRole.LEARNER)
    text = request.form.get("did", "")
    if request.form.get("action") == "clear" or not text.strip():
        holder.clear(launch.person_id)
    else:
        try:
            holder.set_did(launch.person_id, text)
        except holder.InvalidDid as exc:
            form = {"value": text[: holder.MAX_LENGTH + 64], "error": str(exc)}
            return _my_badges_page(launch, form, 400)
    db.session.commit()
    return redirect(launch_url("badges.my_badges", launch_id=launch.id), 303)


@bp.post("/activity/<launch_id>/badges/<award_id>/credit/<choice>")
def credit_choice(launch_id: str, award_id: str, choice: str):
    """The learner agrees to show a recognition note, or withdraws it."""
    launch = current_launch(launch_id, role=CourseRole.LEARNER)
    award = db.session.get(BadgeAward, award_id)
    if award is None or award.person_id != launch.person_id:
        abort(404)
    action = {"consent": credit.consent, "withdraw": credit.withdraw}.get(choice)
    if action is None:
        abort(404)
    try:
        action(award)
    except credit.CreditRefused:
        abort(409)
    db.session.commit()
    return redirect(launch_url("badges.my_badges", launch_id=launch.id), 303)
