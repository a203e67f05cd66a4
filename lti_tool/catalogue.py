"""The catalogue in the database: saving, versioning and finding credentials.

A credential is saved as plain data (``credential_codec.definition_to_dict``).
Saving the same data again changes nothing; saving different data updates
the current version while nothing refers to it yet, and makes the next
version once a submission or assessment does (``mark_in_use``), so every
assessment and award keeps pointing at the exact rubric it used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lti_tool.credential_codec import (
    definition_from_dict,
    definition_to_dict,
    pathway_from_dict,
    pathway_to_dict,
)
from lti_tool.credentials import CredentialDefinition, Pathway
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import (
    Course,
    CourseCredential,
    Credential,
    CredentialVersion,
    PathwayVersion,
)
from lti_tool.models import Pathway as PathwayRow
from lti_tool.models.catalogue import TOOL_SCOPE, course_scope

# What saving did: nothing, a first version, an in-place edit, a new version.
UNCHANGED, CREATED, UPDATED, NEW_VERSION = (
    "unchanged",
    "created",
    "updated",
    "new version",
)


def digest(data: Mapping[str, Any]) -> str:
    """SHA-256 of canonical JSON: equal data gives an equal digest."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    """The data as the domain reads it, so defaults compare equal."""
    return definition_to_dict(definition_from_dict(data))


def normalised(data: Mapping[str, Any]) -> dict[str, Any]:
    """Credential data as the domain reads it back: defaults filled in."""
    return _normalised(data)


def fingerprint(data: Mapping[str, Any]) -> str:
    """The digest ``save`` stores for this credential data (version ignored)."""
    normal = _normalised(data)
    normal.pop("version", None)
    return digest(normal)


def definition(version_row: CredentialVersion) -> CredentialDefinition:
    """The domain definition stored in a version row."""
    return definition_from_dict(version_row.definition, version=version_row.number)


def version(version_id: int | str | None) -> CredentialVersion | None:
    """A version by id; ``None`` for a missing or malformed id."""
    try:
        number = int(version_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return db.session.get(CredentialVersion, number)


def _course_id(course: Course | int | None) -> int | None:
    return course.id if isinstance(course, Course) else course


def credential(key: str, course: Course | int | None = None) -> Credential | None:
    """A credential by key: the course's copy first, else the tool-wide one."""
    scopes = [TOOL_SCOPE]
    course_id = _course_id(course)
    if course_id is not None:
        scopes.insert(0, course_scope(course_id))
    rows = db.session.scalars(
        select(Credential).where(Credential.key == key, Credential.scope.in_(scopes))
    ).all()
    rows.sort(key=lambda r: scopes.index(r.scope))
    return rows[0] if rows else None


def current_of(row: Credential) -> CredentialVersion:
    return db.session.scalars(
        select(CredentialVersion).where(
            CredentialVersion.credential_id == row.id,
            CredentialVersion.number == row.current_version,
        )
    ).one()


def current_version(
    key: str, course: Course | int | None = None
) -> CredentialVersion | None:
    """The version new placements of ``key`` get (course copy first)."""
    row = credential(key, course)
    return current_of(row) if row is not None else None


def save(
    data: Mapping[str, Any],
    *,
    course_id: int | None = None,
    copied_from_id: int | None = None,
) -> tuple[CredentialVersion, str]:
    """Save a valid definition's data; return its version and what happened.

    The caller commits, so an import of many credentials is all or nothing.
    """
    data = _normalised(data)
    data.pop("version", None)
    scope = TOOL_SCOPE if course_id is None else course_scope(course_id)
    row = db.session.scalar(
        select(Credential).where(
            Credential.scope == scope, Credential.key == data["key"]
        )
    )
    fingerprint = digest(data)
    if row is None:
        row = Credential(
            key=data["key"],
            scope=scope,
            course_id=course_id,
            copied_from_id=copied_from_id,
            current_version=1,
        )
        db.session.add(row)
        db.session.flush()
        outcome, current = CREATED, None
    else:
        current = current_of(row)
        if current.digest == fingerprint and not row.retired:
            return current, UNCHANGED
        outcome = UPDATED

    if current is not None and not current.in_use:
        current.definition = data
        current.digest = fingerprint
        current.score_maximum = definition_from_dict(data).rubric.maximum
        current.created_at = utcnow()
        saved = current
    else:
        number = 1 if current is None else current.number + 1
        saved = CredentialVersion(
            credential_id=row.id,
            number=number,
            definition=data,
            digest=fingerprint,
            score_maximum=definition_from_dict(data).rubric.maximum,
        )
        db.session.add(saved)
        row.current_version = number
        if current is not None:
            outcome = NEW_VERSION
    row.title, row.skill, row.level = data["title"], data["skill"], data["level"]
    row.retired = False
    db.session.flush()
    event(
        "catalogue.saved",
        credential=row.id,
        version=saved.id,
        number=saved.number,
        outcome=outcome.replace(" ", "_"),
    )
    return saved, outcome


def mark_in_use(version_id: int | None) -> None:
    """Lock a version: a submission or assessment now refers to it."""
    row = version(version_id)
    if row is not None and not row.in_use:
        row.in_use = True
        row.in_use_since = utcnow()
        db.session.flush()


@dataclass(frozen=True)
class Offer:
    """A credential as the picker and pages show it: current version."""

    version_id: int
    credential_id: int
    definition: CredentialDefinition
    course_copy: bool
    adopted: bool

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def resource_id(self) -> str:
        """The line item's ``resourceId``: the credential key, its version
        number and the version's id, which tells a course copy's version 1
        from the tool-wide version 1 of the same key."""
        return f"{self.definition.key}@v{self.definition.version}#{self.version_id}"


def offers(
    course_id: int | None = None,
    *,
    search: str = "",
    skill: str = "",
    level: str = "",
) -> list[Offer]:
    """Credentials to place: the course's copies, then the tool catalogue.

    A course copy hides the tool-wide credential of the same key.
    """
    scopes = [TOOL_SCOPE]
    if course_id is not None:
        scopes.append(course_scope(course_id))
    rows = db.session.scalars(
        select(Credential)
        .where(Credential.scope.in_(scopes), Credential.retired.is_(False))
        .order_by(Credential.title, Credential.id)
    ).all()
    adopted = set()
    if course_id is not None:
        adopted = set(
            db.session.scalars(
                select(CourseCredential.credential_id).where(
                    CourseCredential.course_id == course_id
                )
            )
        )
    copied = {r.key for r in rows if r.scope != TOOL_SCOPE}
    found = []
    words = search.lower().split()
    for row in rows:
        if row.scope == TOOL_SCOPE and row.key in copied:
            continue
        if skill and row.skill != skill or level and row.level != level:
            continue
        current = current_of(row)
        defn = definition(current)
        text = " ".join((defn.title, defn.outcome, defn.skill, defn.level)).lower()
        if any(w not in text for w in words):
            continue
        found.append(
            Offer(
                version_id=current.id,
                credential_id=row.id,
                definition=defn,
                course_copy=row.scope != TOOL_SCOPE,
                adopted=row.id in adopted,
            )
        )
    found.sort(key=lambda o: (not o.course_copy, not o.adopted))
    return found


@dataclass(frozen=True)
class OfferGroup:
    """Offers under one heading: a pathway, or the credentials in none."""

    title: str
    pathway: Pathway | None
    offers: tuple[Offer, ...]


def grouped(items: Iterable[Offer], paths: Iterable[Pathway]) -> list[OfferGroup]:
    """Offers grouped by pathway, in each pathway's order; each offer once.

    A credential in two pathways is listed under the first (by level, then
    title); credentials in no pathway come last.
    """
    remaining = {o.key: o for o in items}
    groups = []
    for path in sorted(paths, key=lambda p: (p.level, p.title)):
        members = tuple(remaining.pop(k) for k in path.credentials if k in remaining)
        if members:
            groups.append(OfferGroup(path.title, path, members))
    if remaining:
        title = "Other credentials" if groups else "Credentials"
        groups.append(OfferGroup(title, None, tuple(remaining.values())))
    return groups


def facets(course_id: int | None = None) -> tuple[list[str], list[str]]:
    """The skills and levels in the catalogue, for the picker's filters."""
    items = offers(course_id)
    skills = sorted({o.definition.skill for o in items})
    levels = sorted({o.definition.level for o in items})
    return skills, levels


def adopt(course_id: int, credential_id: int) -> None:
    """Put a tool-wide credential on a course's shortlist (harmless twice)."""
    exists = db.session.scalar(
        select(CourseCredential).where(
            CourseCredential.course_id == course_id,
            CourseCredential.credential_id == credential_id,
        )
    )
    if exists is None:
        db.session.add(
            CourseCredential(course_id=course_id, credential_id=credential_id)
        )
        db.session.flush()


def copy_to_course(credential_id: int, course_id: int) -> CredentialVersion:
    """A course's own editable copy of a credential's current version."""
    source = db.session.get(Credential, credential_id)
    if source is None:
        raise LookupError("no such credential")
    data = dict(current_of(source).definition)
    saved, _ = save(data, course_id=course_id, copied_from_id=source.id)
    return saved


def pathways() -> list[Pathway]:
    """The current version of every pathway that is offered."""
    rows = db.session.scalars(
        select(PathwayRow).where(PathwayRow.retired.is_(False)).order_by(PathwayRow.key)
    ).all()
    result = []
    for row in rows:
        current = db.session.scalars(
            select(PathwayVersion).where(
                PathwayVersion.pathway_id == row.id,
                PathwayVersion.number == row.current_version,
            )
        ).one()
        result.append(pathway_from_dict(current.definition, version=current.number))
    return result


def save_pathway(data: Mapping[str, Any]) -> tuple[PathwayVersion, str]:
    """Save a valid pathway's data, versioned like credentials."""
    data = pathway_to_dict(pathway_from_dict(data))
    data.pop("version", None)
    fingerprint = digest(data)
    row = db.session.scalar(select(PathwayRow).where(PathwayRow.key == data["key"]))
    current = None
    if row is None:
        row = PathwayRow(key=data["key"], current_version=1)
        db.session.add(row)
        db.session.flush()
        outcome = CREATED
    else:
        current = db.session.scalars(
            select(PathwayVersion).where(
                PathwayVersion.pathway_id == row.id,
                PathwayVersion.number == row.current_version,
            )
        ).one()
        if current.digest == fingerprint and not row.retired:
            return current, UNCHANGED
        outcome = UPDATED
    if current is not None and not current.in_use:
        current.definition, current.digest = data, fingerprint
        saved = current
    else:
        number = 1 if current is None else current.number + 1
        saved = PathwayVersion(
            pathway_id=row.id, number=number, definition=data, digest=fingerprint
        )
        db.session.add(saved)
        row.current_version = number
        if current is not None:
            outcome = NEW_VERSION
    row.title, row.retired = data["title"], False
    db.session.flush()
    return saved, outcome


def tool_credentials() -> Iterable[Credential]:
    """Tool-wide credentials that are offered, by key."""
    return db.session.scalars(
        select(Credential)
        .where(Credential.scope == TOOL_SCOPE, Credential.retired.is_(False))
        .order_by(Credential.key)
    ).all()


def placed_version(
    key: object, version_param: object, course_id: int | None
) -> int | None:
    """The version id a link's custom parameters name, if it is that key's
    and the link may use it: tool-wide, or a copy of the link's own course
    (custom parameters can be edited by hand, so another course's private
    copy must not be reachable by naming its id)."""
    if not isinstance(key, str):
        return None
    row = version(version_param if isinstance(version_param, str | int) else None)
    if row is None or row.credential.key != key:
        return None
    allowed = {TOOL_SCOPE} | ({course_scope(course_id)} if course_id else set())
    if row.credential.scope not in allowed:
        return None
    return row.id


def for_link(link) -> CredentialDefinition | None:
    """The definition placed on a resource link: its exact version if known."""
    if link is None or not link.credential_key:
        return None
    row = version(link.credential_version_id)
    if row is None:
        row = current_version(link.credential_key, link.course_id)
    return definition(row) if row is not None else None
