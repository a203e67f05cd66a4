"""Staff pages for the catalogue: list, view, draft, preview and publish.

The form's preview follows typing (``live_preview``, asked for by
static/authoring_preview.js). Each form remembers the version it started
from; publishing after someone else published a newer one stops with a
409 and offers "publish anyway" or a rebase (``authoring_rebase``).

Every page opens from a launch and carries its signed token (``lt``), so it
works with third-party cookies blocked; the token in each form also stands
in for a CSRF token, since another site cannot know it. Only course staff
get in; learners get the "not for your role" page (403).

Who edits what: a tool administrator (the platform's administrator role)
edits the tool-wide catalogue; other course staff edit their course's own
credentials, and editing a tool-wide one makes a course copy. Publishing
saves the draft as a version and freezes it, so a later edit publishes the
next version and whatever was placed or assessed keeps its exact rubric.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from lti_tool import (
    authoring_drafts,
    authoring_form,
    authoring_rebase,
    catalogue,
    catalogue_validation,
)
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.launch_context import current_launch, launch_url
from lti_tool.models import CredentialDraft, CredentialVersion, Launch
from lti_tool.models.catalogue import TOOL_SCOPE
from lti_tool.refusals import LaunchRefused, Reason
from lti_tool.roles import CourseRole, is_platform_admin
from lti_tool.vocab import Claim

bp = Blueprint("authoring", __name__, url_prefix="/catalogue")


def _staff(launch_id: str) -> Launch:
    return current_launch(launch_id, role=CourseRole.STAFF)


def _is_admin(launch: Launch) -> bool:
    """Tool-wide rights: a platform administrator of a trusted registration.

    Any LMS can register itself through Dynamic Registration, so its
    administrators author in their own courses only until a password admin
    marks the registration trusted.
    """
    if not launch.registration.trusted:
        return False
    return is_platform_admin(launch.claims.get(Claim.ROLES))


def _edit_course(launch: Launch) -> int | None:
    """The course whose credentials this person edits; None: tool-wide."""
    if _is_admin(launch):
        return None
    if launch.course_id is None:
        raise LaunchRefused(
            Reason.NOT_ALLOWED,
            "course staff without a course cannot author",
            issuer=launch.registration.issuer,
            client_id=launch.registration.client_id,
        )
    return launch.course_id


def _form_values() -> dict[str, Any]:
    form: MultiDict = request.form
    values: dict[str, Any] = {
        name: form.get(name, "")[:10_000]
        for name in form
        if name not in ("lt", "action", "original_key", "over_version")
    }
    values["evidence.kinds"] = form.getlist("evidence.kinds")
    for name in authoring_form.CHECKBOXES:
        values.setdefault(name, "")
    return values


def _pathways_with(key: str):
    return [p for p in catalogue.pathways() if key in p.credentials]


@bp.get("/schema.json")
def published_schema():
    """The JSON Schema catalogue files are checked against (public)."""
    response = jsonify(catalogue_validation.schema())
    response.mimetype = "application/schema+json"
    return response


@bp.get("/<launch_id>")
def index(launch_id: str):
    launch = _staff(launch_id)
    can_edit = _is_admin(launch) or launch.course_id is not None
    return render_template(
        "staff/catalogue.html",
        launch=launch,
        offers=catalogue.offers(launch.course_id),
        pathways=catalogue.pathways(),
        drafts=authoring_drafts.listed(_edit_course(launch)) if can_edit else [],
        can_edit=can_edit,
        admin=_is_admin(launch),
        notice=request.args.get("notice", ""),
    )


@bp.get("/<launch_id>/credentials/<key>")
def view(launch_id: str, key: str):
    launch = _staff(launch_id)
    row = catalogue.credential(key, launch.course_id)
    if row is None:
        abort(404, description=f"No credential has the key {key!r}.")
    shown = catalogue.current_of(row)
    wanted = request.args.get("v", "")
    if wanted:
        shown = next((v for v in row.versions if str(v.number) == wanted), None)
        if shown is None:
            abort(404, description=f"{key} has no version {wanted!r}.")
    adopted = launch.course_id is not None and any(
        o.credential_id == row.id and o.adopted
        for o in catalogue.offers(launch.course_id)
    )
    return render_template(
        "staff/credential.html",
        launch=launch,
        row=row,
        can_adopt=row.scope == TOOL_SCOPE and launch.course_id is not None,
        adopted=adopted,
        version=shown,
        credential=catalogue.definition(shown),
        versions=row.versions,
        pathways=_pathways_with(key),
        notice=request.args.get("notice", ""),
    )


@bp.get("/<launch_id>/new")
def new(launch_id: str):
    launch = _staff(launch_id)
    _edit_course(launch)
    return _render_form(launch, authoring_form.blank_values(), original_key="")


@bp.get("/<launch_id>/credentials/<key>/edit")
def edit(launch_id: str, key: str):
    launch = _staff(launch_id)
    course_id = _edit_course(launch)
    draft = authoring_drafts.find(key, course_id)
    if draft is not None:
        # The draft keeps the base it was started from among its values.
        values = dict(draft.values)
    else:
        row = catalogue.credential(key, course_id)
        if row is None:
            abort(404, description=f"No credential has the key {key!r}.")
        current = catalogue.current_of(row)
        values = authoring_form.values_from_data(current.definition)
        values.update(authoring_rebase.base_values(current.id, current.digest))
    return _render_form(launch, values, original_key=key, draft=draft)


def _render_form(
    launch: Launch,
    values: dict[str, Any],
    *,
    original_key: str,
    errors: dict[str, list[str]] | None = None,
    draft: CredentialDraft | None = None,
    preview=None,
    notice: str = "",
    status: int = 200,
    newer: CredentialVersion | None = None,
):
    course_id = _edit_course(launch)
    copying = False
    if original_key:
        row = catalogue.credential(original_key, course_id)
        copying = row is not None and row.scope != authoring_drafts.scope(course_id)
    waiting: list[str] = []
    if preview is None:
        preview, problems = _preview(values)
        waiting = sorted(errors or problems)
    stale = None
    if newer is not None:
        merged, base = authoring_drafts.rebased(values, newer)
        stale = {"newer": newer, "base": base, "merge": merged}
    html = render_template(
        "staff/credential_form.html",
        launch=launch,
        values=values,
        errors=errors or {},
        original_key=original_key,
        draft=draft,
        preview=preview,
        notice=notice,
        preview_waiting=waiting,
        stale=stale,
        copying=copying,
        tool_wide=course_id is None,
        slots=authoring_form.criterion_slots(values),
        level_slots=authoring_form.LEVEL_SLOTS,
    )
    return html, status


def _save_draft(launch: Launch, values: dict[str, Any], key: str) -> CredentialDraft:
    course_id = _edit_course(launch)
    return authoring_drafts.save(key, values, course_id, launch.person_id)


def _checked(
    values: dict[str, Any], original_key: str, course_id: int | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Catalogue data from the form, and its problems by field, the key's
    clashes with saved credentials included."""
    data, errors = authoring_form.check(values)
    key = values.get("key", "").strip()
    if original_key and key != original_key:
        errors.setdefault("key", []).insert(
            0, f"the key of a saved credential stays {original_key!r}"
        )
    elif not original_key and catalogue.credential(key, course_id) is not None:
        errors.setdefault("key", []).insert(0, "a credential has this key already")
    return data, errors


def _preview(values: dict[str, Any]):
    """What learners would see for these values, and the fields in the way."""
    data, errors = authoring_form.check(values)
    return (None if errors else definition_from_dict(data)), errors


@bp.post("/<launch_id>/preview")
def live_preview(launch_id: str):
    """The preview panel and the field messages for the form as typed, as
    JSON; static/authoring_preview.js asks for them while staff type."""
    launch = _staff(launch_id)
    course_id = _edit_course(launch)
    values = _form_values()
    original_key = request.form.get("original_key", "").strip()
    data, errors = _checked(values, original_key, course_id)
    preview = None if errors else definition_from_dict(data)
    html = render_template(
        "staff/_preview.html",
        preview=preview,
        preview_waiting=sorted(errors),
        draft=authoring_form.draft_panel(values),
    )
    return jsonify(html=html, errors=errors)


@bp.post("/<launch_id>/edit")
def submit(launch_id: str):
    launch = _staff(launch_id)
    course_id = _edit_course(launch)
    values = _form_values()
    original_key = request.form.get("original_key", "").strip()
    action = request.form.get("action", "save")
    data, errors = _checked(values, original_key, course_id)
    key = values.get("key", "").strip()

    def again(message: str, status: int, draft=None, preview=None, newer=None):
        return _render_form(
            launch,
            values,
            original_key=original_key,
            errors=errors,
            draft=draft,
            preview=preview,
            notice=message,
            status=status,
            newer=newer,
        )

    key_ok = "key" not in errors and bool(key)
    if action == "preview":
        preview = None
        if not errors:
            preview = definition_from_dict(data)
        return again("Preview below; nothing is saved yet.", 200, preview=preview)
    if action == "save":
        if not key_ok:
            return again("Give the credential a valid key to save a draft.", 400)
        draft = _save_draft(launch, values, key)
        db.session.commit()
        event("catalogue.draft_saved", draft=draft.id, person=launch.person_id)
        message = "Draft saved."
        if errors:
            message += " Fix the marked fields before publishing."
        original_key = key
        return again(message, 200, draft=draft)
    if action == "rebase" and key_ok:
        return _rebase(launch, values, key, original_key)
    if action not in ("publish", "overwrite"):
        abort(400, description="Unknown action.")
    if errors:
        draft = _save_draft(launch, values, key) if key_ok else None
        db.session.commit()
        message = "Not published: fix the marked fields. Your text is kept."
        return again(message, 400, draft)

    def ask(newer: CredentialVersion):
        # Someone published since this edit began: ask, never overwrite.
        draft = _save_draft(launch, values, key)
        db.session.commit()
        event(
            "catalogue.publish_stale",
            credential=newer.credential_id,
            version=newer.id,
            person=launch.person_id,
        )
        message = (
            f"Not published: version {newer.number} was published after you "
            "started. Your text is saved as a draft."
        )
        return again(message, 409, draft, newer=newer)

    newer = authoring_drafts.newer_version(values, key, course_id)
    confirmed = newer is not None and (
        action == "overwrite" and request.form.get("over_version") == str(newer.id)
    )
    if newer is not None and not confirmed:
        return ask(newer)
    try:
        return _publish(launch, course_id, key, data)
    except IntegrityError:
        # A publish at the same moment took the next version number.
        db.session.rollback()
        newer = authoring_drafts.newer_version(values, key, course_id)
        if newer is None:
            raise
        return ask(newer)


def _rebase(launch: Launch, values: dict[str, Any], key: str, original_key: str):
    """Lay this edit over the newest version; the editor checks, then
    publishes. Nothing is published here; the result is saved as a draft."""
    course_id = _edit_course(launch)
    newer = authoring_drafts.newer_version(values, key, course_id)
    if newer is None:
        return _render_form(
            launch,
            values,
            original_key=original_key,
            errors=_checked(values, original_key, course_id)[1],
            notice="Nothing newer was published: there is nothing to rebase on.",
        )
    merged, _ = authoring_drafts.rebased(values, newer)
    values = merged.values | authoring_rebase.base_values(newer.id, newer.digest)
    draft = _save_draft(launch, values, key)
    db.session.commit()
    event("catalogue.draft_rebased", draft=draft.id, version=newer.id)
    notice = f"Rebased on version {newer.number}; nothing is published yet."
    if merged.taken:
        notice += f" Taken from version {newer.number}: {', '.join(merged.taken)}."
    if merged.conflicts:
        notice += (
            " Changed on both sides, your text kept: "
            f"{', '.join(merged.conflicts)}. Check these before publishing."
        )
    return _render_form(
        launch,
        values,
        original_key=original_key,
        errors=_checked(values, original_key, course_id)[1],
        draft=draft,
        notice=notice,
    )


def _publish(launch: Launch, course_id: int | None, key: str, data: dict[str, Any]):
    based_on = catalogue.credential(key, course_id)
    copied_from = None
    if based_on is not None and based_on.scope != authoring_drafts.scope(course_id):
        copied_from = based_on.id
    saved, outcome = catalogue.save(
        data, course_id=course_id, copied_from_id=copied_from
    )
    # A published version is frozen: the next edit publishes a new version.
    catalogue.mark_in_use(saved.id)
    draft = authoring_drafts.find(key, course_id)
    if draft is not None:
        db.session.delete(draft)
    db.session.commit()
    event(
        "catalogue.published",
        credential=saved.credential_id,
        version=saved.id,
        number=saved.number,
        person=launch.person_id,
        outcome=outcome.replace(" ", "_"),
    )
    notice = (
        f"Version {saved.number} is unchanged: nothing to publish."
        if outcome == catalogue.UNCHANGED
        else f"Published version {saved.number}."
    )
    return redirect(
        launch_url("authoring.view", launch_id=launch.id, key=key, notice=notice),
        code=303,
    )


@bp.post("/<launch_id>/credentials/<key>/adopt")
def adopt(launch_id: str, key: str):
    """Put a tool-wide credential on this course's shortlist in the picker."""
    launch = _staff(launch_id)
    row = catalogue.credential(key)
    if row is None or launch.course_id is None:
        abort(404, description=f"No tool-wide credential has the key {key!r}.")
    catalogue.adopt(launch.course_id, row.id)
    db.session.commit()
    event("catalogue.adopted", credential=row.id, course=launch.course_id)
    notice = "Adopted: it is listed first when you add a credential."
    return redirect(
        launch_url("authoring.view", launch_id=launch.id, key=key, notice=notice),
        code=303,
    )


@bp.post("/<launch_id>/credentials/<key>/discard")
def discard(launch_id: str, key: str):
    launch = _staff(launch_id)
    draft = authoring_drafts.find(key, _edit_course(launch))
    if draft is not None:
        db.session.delete(draft)
        db.session.commit()
    return redirect(
        launch_url("authoring.index", launch_id=launch.id, notice="Draft discarded."),
        code=303,
    )
