"""The sandbox's service endpoints: OAuth 2 tokens, AGS and NRPS.

Built on ``lti1p3platform``'s token minting and service handlers, with the
checks it leaves out (IMS Security Framework 4.1, AGS 2.0 section 3.4):
the client assertion's ``aud`` must be the token URL, each ``jti`` works
once, only granted scopes are given, every endpoint needs its own scope,
and score bodies are validated before they reach the gradebook.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import jwt
from lti1p3platform.exceptions import LineItemNotFoundException
from lti1p3platform.membership import Context
from lti1p3platform.score import (
    ActivityProgress,
    GradeProgress,
    UpdateScoreStatus,
)
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)

from lti_tool.sandbox.lms import SandboxLMS
from lti_tool.sandbox.platform import SandboxPlatformConf, ToolJwtError
from lti_tool.vocab import Scope

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
GRANTED_SCOPES = frozenset(s.value for s in Scope)
ACTIVITY = frozenset(p.value for p in ActivityProgress)
GRADING = frozenset(p.value for p in GradeProgress)


class ServiceError(Exception):
    """An OAuth or service error: HTTP status, error code, description."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def issue_token(
    conf: SandboxPlatformConf, form: dict[str, str], token_url: str
) -> dict[str, Any]:
    """Client credentials grant with a JWT assertion (RFC 7523), strictly."""
    if form.get("grant_type") != "client_credentials":
        raise ServiceError(
            400, "unsupported_grant_type", "grant_type must be client_credentials"
        )
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise ServiceError(400, "invalid_request", "wrong client_assertion_type")
    assertion = form.get("client_assertion", "")
    if not assertion:
        raise ServiceError(400, "invalid_request", "client_assertion is missing")
    requested = form.get("scope", "").split()
    if not requested:
        raise ServiceError(400, "invalid_scope", "no scope requested")
    ungranted = [s for s in requested if s not in GRANTED_SCOPES]
    if ungranted:
        raise ServiceError(400, "invalid_scope", f"not granted: {' '.join(ungranted)}")

    try:
        claims = conf.verify_tool_jwt(
            assertion, audience=token_url, require=["sub", "jti"]
        )
    except ToolJwtError as exc:
        raise ServiceError(401, "invalid_client", str(exc)) from None
    if claims["sub"] != conf.lms.client_id:
        raise ServiceError(401, "invalid_client", "sub must be the client_id")
    if not conf.lms.first_use("jti", str(claims["jti"]), float(claims["exp"])):
        conf.lms.log(f"token: replayed jti {str(claims['jti'])[:40]}")
        raise ServiceError(400, "invalid_grant", "this jti was already used")

    conf.get_registration()
    # lti1p3platform mints the access token (signed with the platform key).
    response = conf.get_access_token(
        {
            "grant_type": form["grant_type"],
            "client_assertion_type": form["client_assertion_type"],
            "client_assertion": assertion,
            "scope": " ".join(requested),
        }
    )
    return dict(response)


def require_scope(conf: SandboxPlatformConf, header: str, *scopes: str) -> None:
    """The bearer token must be ours, unexpired and carry one of ``scopes``."""
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise ServiceError(401, "invalid_token", "a bearer token is required")
    try:
        claims = jwt.decode(
            parts[1],
            conf.lms.current_key.public_pem(),
            algorithms=["RS256"],
            issuer=conf.lms.issuer,
            options={"require": ["exp", "iss", "sub"]},
        )
    except jwt.InvalidTokenError as exc:
        raise ServiceError(401, "invalid_token", f"token refused: {exc}") from None
    if claims["sub"] != conf.lms.client_id:
        raise ServiceError(401, "invalid_token", "token of another client")
    granted = str(claims.get("scopes", "")).split()
    if not any(s in granted for s in scopes):
        raise ServiceError(403, "insufficient_scope", f"needs {' or '.join(scopes)}")


def _number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise ServiceError(400, "invalid_score", "timestamp must be a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ServiceError(400, "invalid_score", "timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise ServiceError(400, "invalid_score", "timestamp needs a UTC offset")
    return parsed


def validate_score(lms: SandboxLMS, body: object) -> dict[str, Any]:
    """AGS 2.0 section 3.4 score body, as strictly as Moodle and Canvas."""
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_score", "the body must be a JSON object")
    for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if name not in body:
            raise ServiceError(400, "invalid_score", f"{name} is required")
    person = lms.people.get(str(body["userId"]))
    if person is None or not person.is_learner:
        raise ServiceError(400, "invalid_score", "userId is not a learner here")
    _timestamp(body["timestamp"])
    if body["activityProgress"] not in ACTIVITY:
        raise ServiceError(400, "invalid_score", "unknown activityProgress")
    if body["gradingProgress"] not in GRADING:
        raise ServiceError(400, "invalid_score", "unknown gradingProgress")
    if "scoreGiven" in body:
        given, maximum = body["scoreGiven"], body.get("scoreMaximum")
        if not _number(given) or given < 0:
            raise ServiceError(400, "invalid_score", "scoreGiven must be >= 0")
        if not _number(maximum) or maximum <= 0:
            raise ServiceError(
                400, "invalid_score", "scoreGiven needs a scoreMaximum > 0"
            )
    if "comment" in body and not isinstance(body["comment"], str):
        raise ServiceError(400, "invalid_score", "comment must be a string")
    return body


def validate_lineitem(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ServiceError(400, "invalid_lineitem", "the body must be a JSON object")
    if not _number(body.get("scoreMaximum")) or body["scoreMaximum"] <= 0:
        raise ServiceError(400, "invalid_lineitem", "scoreMaximum must be > 0")
    if not isinstance(body.get("label"), str) or not body["label"].strip():
        raise ServiceError(400, "invalid_lineitem", "label is required")
    return body


class SandboxAgs(AssignmentsGradesService):
    """Line items and scores of the sandbox course."""

    def __init__(self, request, conf: SandboxPlatformConf, lineitems_url: str):
        super().__init__(request, conf, lineitems_url)
        self.lms = conf.lms
        self.lineitems_url = lineitems_url

    def _json(self, item_id: str) -> dict[str, Any]:
        item = self.lms.lineitems.get(item_id)
        if item is None:
            raise LineItemNotFoundException(item_id)
        return item.as_json(f"{self.lineitems_url}/{item_id}")

    def find_lineitems(  # type: ignore[override]
        self, page=1, limit=None, line_item_id=None, **filters
    ) -> TPage:
        items = [self._json(i) for i in list(self.lms.lineitems)]
        for name in ("resource_link_id", "resource_id", "tag"):
            if filters.get(name):
                field = {"resource_link_id": "resourceLinkId"}.get(
                    name, "resourceId" if name == "resource_id" else "tag"
                )
                items = [i for i in items if i.get(field) == filters[name]]
        if limit:
            start = (page - 1) * limit
            return {
                "content": items[start : start + limit],
                "has_next": start + limit < len(items),
            }
        return {"content": items, "has_next": False}

    def find_lineitem(self, line_item_id: str):  # type: ignore[override]
        return self._json(line_item_id)

    def create_lineitem(self, creation_data):  # type: ignore[override]
        data = validate_lineitem(creation_data)
        item = self.lms.add_lineitem(
            label=data["label"],
            score_maximum=float(data["scoreMaximum"]),
            resource_id=str(data.get("resourceId") or ""),
            tag=str(data.get("tag") or ""),
            resource_link_id=str(data.get("resourceLinkId") or ""),
        )
        return self._json(item.item_id)

    def update_lineitem(self, update_data):  # type: ignore[override]
        item_id = update_data["id"]
        data = validate_lineitem(update_data)
        item = self.lms.lineitems.get(item_id)
        if item is None:
            raise LineItemNotFoundException(item_id)
        item.label = data["label"]
        item.score_maximum = float(data["scoreMaximum"])
        return self._json(item_id)

    def delete_lineitem(self, line_item_id: str) -> None:
        with self.lms.lock:
            if self.lms.lineitems.pop(line_item_id, None) is None:
                raise LineItemNotFoundException(line_item_id)
            self.lms.scores.pop(line_item_id, None)

    def update_score(self, line_item_id, score):  # type: ignore[override]
        if line_item_id not in self.lms.lineitems:
            raise LineItemNotFoundException(line_item_id)
        user = str(score["userId"])
        with self.lms.lock:
            stored = self.lms.scores.setdefault(line_item_id, {})
            previous = stored.get(user)
            if previous and _timestamp(score["timestamp"]) <= _timestamp(
                previous["timestamp"]
            ):
                return UpdateScoreStatus.OLD_TIMESTAMP
            stored[user] = dict(score)
        return UpdateScoreStatus.SUCCESS if previous else UpdateScoreStatus.CREATED

    def get_results(  # type: ignore[override]
        self, line_item_id, page=1, limit=None, user_id=None, **_
    ) -> TPage:
        if line_item_id not in self.lms.lineitems:
            raise LineItemNotFoundException(line_item_id)
        item = self.lms.lineitems[line_item_id]
        url = f"{self.lineitems_url}/{line_item_id}"
        results = [
            {
                "id": f"{url}/results/{user}",
                "scoreOf": url,
                "userId": user,
                "resultScore": s.get("scoreGiven"),
                "resultMaximum": s.get("scoreMaximum", item.score_maximum),
                "comment": s.get("comment"),
            }
            for user, s in self.lms.scores.get(line_item_id, {}).items()
            if user_id in (None, user)
        ]
        return {"content": results, "has_next": False}


class SandboxNrps(NamesRoleProvisioningService):
    """The course roster for Names and Role Provisioning Services 2.0."""

    def __init__(self, request, conf: SandboxPlatformConf, memberships_url: str):
        super().__init__(request, conf, memberships_url)
        self.lms = conf.lms

    def get_context_by_id(self) -> Context:
        return Context(self.lms.course_id, "ENG-101", self.lms.course_title)

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        return resource_link_id in self.lms.links

    def get_member_data_page(  # type: ignore[override]
        self, page=1, limit=None, role=None, since=None, **_
    ) -> TPage:
        members = [
            {
                "user_id": p.user_id,
                "name": p.name,
                "given_name": p.given_name,
                "family_name": p.family_name,
                "email": p.email,
                "roles": list(p.roles),
                "status": "Active",
            }
            for p in self.lms.people.values()
            if role is None or role in p.roles
        ]
        if limit:
            start = (page - 1) * limit
            return {
                "content": members[start : start + limit],
                "has_next": start + limit < len(members),
            }
        return {"content": members, "has_next": False}
