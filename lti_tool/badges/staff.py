"""Course staff's view of the badges awarded for an activity, and revocation.

Staff see and may revoke the awards of the credential placed at their
resource link, for members of their course; nothing from other courses.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request
from sqlalchemy import select

from lti_tool.badges import credit, issuance
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import BadgeAward, Launch, Membership
from lti_tool.models.badges import KIND_CREDENTIAL
from lti_tool.roles import CourseRole

bp = Blueprint("badge_staff", __name__)


def _course_awards(launch: Launch):
    link = launch.resource_link
    if link is None or not link.credential_key or launch.course_id is None:
        return select(BadgeAward).where(BadgeAward.id.is_(None))
    members = select(Membership.person_id).where(
        Membership.course_id == launch.course_id
    )
    return select(BadgeAward).where(
        BadgeAward.kind == KIND_CREDENTIAL,
        BadgeAward.key == link.credential_key,
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
    done = issuance.revoke(award.id, reason)
    db.session.commit()
    if done.already:
        # A second tab or a resubmitted form: say so rather than "Revoked".
        when = award.revoked_at.strftime("%Y-%m-%d")
        return _page(launch, notice=f"This badge was already revoked on {when}.")
    event("badge_revoked_by_staff", award=award.id, staff=launch.person_id)
    return redirect(launch_url("badge_staff.course_awards", launch_id=launch.id), 303)
