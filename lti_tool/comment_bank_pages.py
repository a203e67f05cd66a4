"""The course's comment bank page: read every entry, add and remove staff ones.

Thin views over ``comment_bank``, opened with the launch token like the
other assessment pages. The bank is for the credential placed on the
launch's activity.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from lti_tool import catalogue, comment_bank
from lti_tool.assessment_pages import actor_of, refusal
from lti_tool.assessment_rights import require_staff
from lti_tool.db import db
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.moderation import Code, Refused

bp = Blueprint("comment_bank", __name__)


def _definition(launch):
    definition = catalogue.for_link(launch.resource_link)
    if definition is None:
        raise Refused(
            Code.BAD_SHEET,
            "No credential is placed on this activity, so it has no comment bank.",
        )
    return definition


@bp.get("/assess/<launch_id>/comments")
def page(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    try:
        require_staff(actor, actor.course_id)
        definition = _definition(launch)
    except Refused as exc:
        return refusal(exc, launch)
    return render_template(
        "assessment/comment_bank.html",
        launch=launch,
        definition=definition,
        bank=comment_bank.bank_for(definition, actor.course_id),
        message=None,
    )


@bp.post("/assess/<launch_id>/comments")
def add(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    try:
        definition = _definition(launch)
    except Refused as exc:
        return refusal(exc, launch)
    try:
        comment_bank.add(
            actor,
            definition,
            request.form.get("criterion", ""),
            request.form.get("level", ""),
            request.form.get("text", ""),
        )
        db.session.commit()
    except Refused as exc:
        if exc.code is not Code.BAD_SHEET:
            return refusal(exc, launch)
        db.session.rollback()
        html = render_template(
            "assessment/comment_bank.html",
            launch=launch,
            definition=definition,
            bank=comment_bank.bank_for(definition, actor.course_id),
            message=exc.message,
            posted=request.form,
        )
        return html, exc.status
    return redirect(launch_url("comment_bank.page", launch_id=launch.id), code=303)


@bp.post("/assess/<launch_id>/comments/<int:entry_id>/remove")
def remove(launch_id: str, entry_id: int):
    launch = current_launch(launch_id)
    try:
        comment_bank.remove(actor_of(launch), entry_id)
        db.session.commit()
    except Refused as exc:
        return refusal(exc, launch)
    return redirect(launch_url("comment_bank.page", launch_id=launch.id), code=303)
