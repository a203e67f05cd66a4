"""Course staff's view of the badges awarded for an activity, and revocation.

Staff see and may revoke the awards of the credential placed at their
resource link, and the pathway awards that credential counts towards, for
members of their course; nothing from other courses.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import and_, or_, select

from lti_tool.badges import credit, issuance
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import BadgeAward, Launch, Membership, PathwayVersion
from lti_tool.models.badges import KIND_CREDENTIAL, KIND_PATHWAY
from lti_tool.roles import CourseRole

bp = Blueprint("badge_staff", __name__)


def _pathway_versions(credential_key: str) -> list[int]:
    """Pathway versions, retired or not, that count ``credential_key``."""
    rows = db.session.execute(select(PathwayVersion.id, PathwayVersion.definition))
    return [
        version_id
        for version_id, definition in rows
        if isinstance(definition, dict)
        and credential_key in (definition.get("credentials") or ())
    ]


def _course_awards(launch: Launch):
    link = launch.resource_link
    if link is None or not link.credential_key or launch.course_id is None:
        return select(BadgeAward).where(BadgeAward.id.is_(None))
    members = select(Membership.person_id).where(
        Membership.course_id == launch.course_id
    )
    return select(BadgeAward).where(
        or_(
            and_(
                BadgeAward.kind == KIND_CREDENTIAL,
                BadgeAward.key == link.credential_key,
            ),
            and_(
                BadgeAward.kind == KIND_PATHWAY,
                BadgeAward.pathway_version_id.in_(
                    _pathway_versions(link.credential_key)
                ),
            ),
        ),
        BadgeAward.person_id.in_(members),
    )


def _page(launch: Launch, error: str = "", status: int = 200, notice: str = ""):
    awards = db.session.scalars(
        _course_awards(launch).order_by(BadgeAward.issued_at.desc())
    ).all()
    notes = {a.id: credit.current_note(a.id) for a in awards}
    return render_template(
        "badges/staff.html",
        launch=launch,
        awards=awards,
        notes=notes,
        error=error,
        notice=notice,
    ), status


@bp.get("/activity/<launch_id>/awards")
def course_awards(launch_id: str):
    return _page(current_launch(launch_id, role=CourseRole.STAFF))


@bp.post("/activity/<launch_id>/awards/<award_id>/credit")
def add_credit(launch_id: str, award_id: str):
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    award = db.session.scalar(_course_awards(launch).where(BadgeAward.id == award_id))
    if award is None:
        abort(404)
    form = request.form
    try:
        credit.add_note(
            award,
            launch.person_id,
            form.get("done_well", ""),
            form.get("shown_by", ""),
            form.get("setting", ""),
        )
    except credit.CreditRefused as exc:
        return _page(launch, str(exc).capitalize() + ".", 400)
    db.session.commit()
    return redirect(launch_url("badge_staff.course_awards", launch_id=launch.id), 303)


@bp.post("/activity/<launch_id>/awards/<award_id>/revoke")
def revoke(launch_id: str, award_id: str):
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    award = db.session.scalar(_course_awards(launch).where(BadgeAward.id == award_id))
    if award is None:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _page(
            launch, "Give a reason: it is shown on the public verification page.", 400
        )
    award_id = award.id
    try:
        done = issuance.revoke(award_id, reason)
    except issuance.StatusListError:
        db.session.rollback()
        event(
            "badge_revoke_refused",
            logging.WARNING,
            award=award_id,
            staff=launch.person_id,
            reason="status list key missing",
        )
        return _page(
            launch,
            "This badge cannot be revoked from here: the key that signed its "
            "status list is no longer held. Nothing was changed; ask the "
            "administrator to restore the key.",
            409,
        )
    db.session.commit()
    if done.already:
        # A second tab or a resubmitted form: say so rather than "Revoked".
        when = award.revoked_at.strftime("%Y-%m-%d")
        return _page(launch, notice=f"This badge was already revoked on {when}.")
    event("badge_revoked_by_staff", award=award.id, staff=launch.person_id)
    return redirect(launch_url("badge_staff.course_awards", launch_id=launch.id), 303)
