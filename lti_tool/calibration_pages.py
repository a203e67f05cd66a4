"""Calibration pages: the practice set, practising, comparing, and consent.

Thin views over ``calibration``. Staff pages are opened with the launch
token like the other assessment pages; the learner's consent page sits
beside their results. No page names the learner behind a practice item.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from lti_tool import calibration, catalogue, rubrics
from lti_tool.assessment_pages import actor_of, form_fields, refusal
from lti_tool.db import db, row_number
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.moderation import Refused

bp = Blueprint("calibration", __name__)


@bp.get("/assess/<launch_id>/calibration")
def practice_set(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    definition = catalogue.for_link(launch.resource_link)
    try:
        items = calibration.practice_set(actor, definition.key if definition else None)
    except Refused as exc:
        return refusal(exc, launch)
    latest = calibration.latest_scorings(actor, items)
    results = {
        item.id: calibration.compare(
            calibration.definition_of(item), row.levels, item.agreed_levels
        ).figures
        for item in items
        if (row := latest.get(item.id)) is not None
    }
    return render_template(
        "assessment/calibration.html",
        launch=launch,
        definition=definition,
        items=items,
        results=results,
        overall=calibration.overall(actor, items),
        moderator=actor.moderator,
    )


@bp.post("/assess/<launch_id>/calibration/items")
def add_item(launch_id: str):
    launch = current_launch(launch_id)
    number = row_number(request.form.get("submission", ""))
    try:
        calibration.add_item(actor_of(launch), 0 if number is None else number)
        db.session.commit()
    except Refused as exc:
        return refusal(exc, launch)
    return redirect(launch_url("calibration.practice_set", launch_id=launch.id), 303)


@bp.post("/assess/<launch_id>/calibration/items/<int:item_id>/retire")
def retire(launch_id: str, item_id: int):
    launch = current_launch(launch_id)
    try:
        calibration.retire(actor_of(launch), item_id)
        db.session.commit()
    except Refused as exc:
        return refusal(exc, launch)
    return redirect(launch_url("calibration.practice_set", launch_id=launch.id), 303)


def _practice_page(launch, item, *, message=None, chosen=None, status=200):
    html = render_template(
        "assessment/practice.html",
        launch=launch,
        item=item,
        definition=calibration.definition_of(item),
        standard=rubrics.standard_text,
        chosen=chosen or {},
        notes={},
        message=message,
    )
    return html, status


@bp.get("/assess/<launch_id>/calibration/items/<int:item_id>")
def practice(launch_id: str, item_id: int):
    launch = current_launch(launch_id)
    try:
        item = calibration.load_item(actor_of(launch), item_id)
    except Refused as exc:
        return refusal(exc, launch)
    return _practice_page(launch, item)


@bp.post("/assess/<launch_id>/calibration/items/<int:item_id>")
def score(launch_id: str, item_id: int):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    levels = form_fields("level-")
    try:
        row = calibration.practise(actor, item_id, levels)
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        try:
            item = calibration.load_item(actor, item_id)
        except Refused:
            return refusal(exc, launch)
        shown = rubrics.shown_choices(calibration.definition_of(item).rubric, levels)
        return _practice_page(
            launch, item, message=exc.message, chosen=shown, status=exc.status
        )
    return redirect(
        launch_url("calibration.comparison", launch_id=launch.id, scoring_id=row.id),
        303,
    )


@bp.get("/assess/<launch_id>/calibration/scorings/<int:scoring_id>")
def comparison(launch_id: str, scoring_id: int):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    try:
        row = calibration.scoring_of(actor, scoring_id)
    except Refused as exc:
        return refusal(exc, launch)
    item = row.item
    definition = calibration.definition_of(item)
    items = calibration.practice_set(actor, item.credential_key)
    return render_template(
        "assessment/comparison.html",
        launch=launch,
        item=item,
        definition=definition,
        result=calibration.compare(definition, row.levels, item.agreed_levels),
        overall=calibration.overall(actor, items),
    )


@bp.route("/results/<launch_id>/practice-consent", methods=["GET", "POST"])
def consent(launch_id: str):
    launch = current_launch(launch_id)
    actor = actor_of(launch)
    if request.method == "POST":
        try:
            calibration.set_consent(actor, request.form.get("agree") == "yes")
            db.session.commit()
        except Refused as exc:
            return refusal(exc, launch)
        return redirect(launch_url("calibration.consent", launch_id=launch.id), 303)
    return render_template(
        "assessment/consent.html",
        launch=launch,
        consent=calibration.consent_of(actor),
        statement=calibration.CONSENT_STATEMENT,
    )
