"""Deep Linking 2.0: the credential picker and the signed response.

The response JWT follows Deep Linking 2.0 section 4.2: ``iss`` is the
client_id, ``aud`` the platform issuer, the request's ``data`` echoed
unchanged, signed with the tool's current key (its kid in the header) and
posted to ``deep_link_return_url``. Each item is an ``ltiResourceLink`` with
a line item, so the gradebook column appears when the teacher saves.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from lti_tool import catalogue
from lti_tool.admin_entry import entry_url
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.launch_context import current_launch, require_role
from lti_tool.models import Launch
from lti_tool.roles import CourseRole
from lti_tool.services import services
from lti_tool.vocab import LTI_VERSION, Claim, MessageType

bp = Blueprint("deep_linking", __name__)

# Platforms' clocks differ: a few minutes, not seconds (LMS notes).
RESPONSE_LIFETIME = 300
# Grade sync (line_items.TAG) finds Pathmark's columns by this tag.
LINE_ITEM_TAG = "pathmark"


class PickerError(ValueError):
    """The teacher's choice cannot be returned to the platform."""


def _settings(launch: Launch) -> dict[str, Any]:
    return launch.claims.get(Claim.DL_SETTINGS) or {}


def _accepts_multiple(settings: dict[str, Any]) -> bool:
    value = settings.get("accept_multiple", False)
    return value is True or value == "true"


def content_item(choice: catalogue.Offer, launch_url: str) -> dict[str, Any]:
    """One ``ltiResourceLink`` with its line item.

    ``scoreMaximum`` is the rubric maximum, ``label`` the credential's
    title and ``resourceId`` names the credential key and version
    (``introduce-yourself@v2#17``); ``custom`` carries the exact version id,
    which the launch reads back.
    """
    defn = choice.definition
    line_item = (
        LineItem()
        .set_score_maximum(defn.rubric.maximum)
        .set_label(defn.title)
        .set_resource_id(choice.resource_id)
        .set_tag(LINE_ITEM_TAG)
    )
    resource = (
        DeepLinkResource()
        .set_type("ltiResourceLink")
        .set_title(defn.title)
        .set_url(launch_url)
        .set_custom_params(
            {
                "credential": defn.key,
                "credential_version": str(choice.version_id),
                "credential_version_number": str(defn.version),
            }
        )
        .set_lineitem(line_item)
    )
    item = resource.to_dict()
    item["text"] = defn.outcome
    return item


def response_claims(
    launch: Launch, items: list[dict[str, Any]], now: int | None = None
) -> dict[str, Any]:
    now = int(time.time()) if now is None else now
    settings = _settings(launch)
    claims: dict[str, Any] = {
        "iss": launch.registration.client_id,
        "aud": launch.registration.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(16),
        Claim.DEPLOYMENT_ID: launch.deployment.deployment_id,
        Claim.MESSAGE_TYPE: MessageType.DEEP_LINKING_RESPONSE.value,
        Claim.VERSION: LTI_VERSION,
        Claim.DL_CONTENT_ITEMS: items,
    }
    if "data" in settings:
        claims[Claim.DL_DATA] = settings["data"]
    return {str(k): v for k, v in claims.items()}


def choose(launch: Launch, values: list[str]) -> list[catalogue.Offer]:
    """The offers the teacher ticked (credential version ids)."""
    settings = _settings(launch)
    if "ltiResourceLink" not in (settings.get("accept_types") or []):
        raise PickerError("This LMS does not accept activity links here.")
    if not values:
        raise PickerError("Choose a credential to add to the course.")
    if len(values) > 1 and not _accepts_multiple(settings):
        raise PickerError("This LMS accepts one credential at a time here.")
    offered = {str(o.version_id): o for o in catalogue.offers(launch.course_id)}
    chosen = []
    for value in dict.fromkeys(values):
        if value not in offered:
            raise PickerError(
                "That credential version is no longer offered. Reload the "
                "list and choose again."
            )
        chosen.append(offered[value])
    return chosen


def _render_picker(launch: Launch, error: str | None = None):
    settings = _settings(launch)
    query = {
        "search": request.values.get("q", "").strip()[:200],
        "skill": request.values.get("skill", "").strip(),
        "level": request.values.get("level", "").strip(),
    }
    skills, levels = catalogue.facets(launch.course_id)
    found = catalogue.offers(launch.course_id, **query)
    return render_template(
        "staff/picker.html",
        launch=launch,
        credentials=found,
        groups=catalogue.grouped(found, catalogue.pathways()),
        query=query,
        skills=skills,
        levels=levels,
        multiple=_accepts_multiple(settings),
        accepts_links="ltiResourceLink" in (settings.get("accept_types") or []),
        error=error,
        # Only for the platform's administrators, as on activity pages.
        admin_entry=entry_url(launch),
    )


@bp.get("/deep-linking/<launch_id>")
def picker(launch_id: str):
    launch = current_launch(launch_id)
    if launch.course_role != CourseRole.STAFF.value:
        # An LMS administrator outside the course still gets the admin link,
        # as a resource link launch gives it; anyone else is refused.
        admin_entry = entry_url(launch)
        if admin_entry is None:
            require_role(launch, CourseRole.STAFF)
        return render_template(
            "no_role.html",
            course=launch.course,
            admin_entry=admin_entry,
        )
    return _render_picker(launch)


@bp.post("/deep-linking/<launch_id>")
def respond(launch_id: str):
    launch = current_launch(launch_id, role=CourseRole.STAFF)
    settings = _settings(launch)
    try:
        chosen = choose(launch, request.form.getlist("credential"))
    except PickerError as exc:
        return _render_picker(launch, error=str(exc)), 400

    launch_url = current_app.config["BASE_URL"] + url_for("lti.launch")
    items = [content_item(c, launch_url) for c in chosen]
    # A placed version is frozen: its gradebook column has this maximum.
    for choice in chosen:
        catalogue.mark_in_use(choice.version_id)
    db.session.commit()
    token = services().keyring.sign(response_claims(launch, items))
    event(
        "deep_linking.returned",
        launch=launch.id,
        registration=launch.registration_id,
        deployment=launch.deployment_id,
        items=len(items),
        versions=",".join(str(c.version_id) for c in chosen),
    )
    return render_template(
        "lti/deep_link_return.html",
        return_url=settings["deep_link_return_url"],
        jwt=token,
        titles=[c.definition.title for c in chosen],
    )
