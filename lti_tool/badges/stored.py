"""The fields public badge routes take from a stored credential, checked.

An award's document is whatever the database holds. The image, the
LinkedIn link and the Open Badges 2.0 documents read a handful of fields
from it; this module reads them once, checks each is of the shape
Pathmark writes, and raises ``Unreadable`` otherwise, so no route indexes
into a document it has not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from lti_tool.badges.verify import Verdict
    from lti_tool.models import BadgeAward


class Unreadable(ValueError):
    """A stored credential missing a field a route needs, or of another shape."""


@dataclass(frozen=True)
class Alignment:
    name: str
    url: str
    framework: str
    code: str


@dataclass(frozen=True)
class Evidence:
    name: str
    genre: str
    digest: str


@dataclass(frozen=True)
class StoredBadge:
    """What the image, LinkedIn and OB 2.0 routes show of one award."""

    title: str
    issuer_name: str
    achievement_id: str
    name: str
    description: str
    image: str
    narrative: str
    tags: tuple[str, ...]
    alignments: tuple[Alignment, ...]
    identity_type: str
    evidence: tuple[Evidence, ...]

    @property
    def image_tag(self) -> str:
        """The text under the badge's name on its image: the last tag."""
        return self.tags[-1] if self.tags else ""


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"{where} is not an object")
    return value


def _text(parent: dict[str, Any], key: str, where: str, optional=False) -> str:
    value = parent.get(key, "" if optional else None)
    if not isinstance(value, str) or not (value or optional):
        raise Unreadable(f"{where}.{key} is not a non-empty string")
    return value


def _list(parent: dict[str, Any], key: str, where: str) -> list[Any]:
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise Unreadable(f"{where}.{key} is not a list")
    return value


def _alignments(achievement: dict[str, Any]) -> tuple[Alignment, ...]:
    out = []
    for item in _list(achievement, "alignment", "achievement"):
        a = _object(item, "an alignment")
        out.append(
            Alignment(
                _text(a, "targetName", "alignment"),
                _text(a, "targetUrl", "alignment"),
                _text(a, "targetFramework", "alignment", optional=True),
                _text(a, "targetCode", "alignment", optional=True),
            )
        )
    return tuple(out)


def _evidence(document: dict[str, Any]) -> tuple[Evidence, ...]:
    out = []
    for item in _list(document, "evidence", "credential"):
        e = _object(item, "an evidence entry")
        out.append(
            Evidence(
                _text(e, "name", "evidence"),
                _text(e, "genre", "evidence"),
                _text(e, "digestSRI", "evidence"),
            )
        )
    return tuple(out)


def read(document: Any) -> StoredBadge:
    """The route fields of a stored credential; ``Unreadable`` when any is off."""
    doc = _object(document, "the credential")
    issuer = _object(doc.get("issuer"), "credential.issuer")
    subject = _object(doc.get("credentialSubject"), "credential.credentialSubject")
    achievement = _object(subject.get("achievement"), "credentialSubject.achievement")
    identifiers = _list(subject, "identifier", "credentialSubject")
    if not identifiers:
        raise Unreadable("credentialSubject.identifier is empty")
    identity = _object(identifiers[0], "an identifier")
    tags = _list(achievement, "tag", "achievement")
    if not all(isinstance(t, str) for t in tags):
        raise Unreadable("achievement.tag holds something other than text")
    criteria = _object(achievement.get("criteria"), "achievement.criteria")
    image = _object(achievement.get("image"), "achievement.image")
    return StoredBadge(
        title=_text(doc, "name", "credential"),
        issuer_name=_text(issuer, "name", "issuer"),
        achievement_id=_text(achievement, "id", "achievement"),
        name=_text(achievement, "name", "achievement"),
        description=_text(achievement, "description", "achievement"),
        image=_text(image, "id", "achievement.image"),
        narrative=_text(criteria, "narrative", "achievement.criteria"),
        tags=tuple(tags),
        alignments=_alignments(achievement),
        identity_type=_text(identity, "identityType", "identifier"),
        evidence=_evidence(doc),
    )


def linkedin_url(award: BadgeAward, base_url: str) -> str | None:
    """LinkedIn's "add to profile" form, filled in for this badge.

    None for a revoked badge, or one whose stored credential cannot be read.
    """
    if award.revoked:
        return None
    try:
        badge = read(award.document)
    except Unreadable:
        return None
    issued = award.issued_at
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": badge.title,
        "organizationName": badge.issuer_name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
        "certUrl": f"{base_url}/credentials/{award.id}",
        "certId": award.id,
    }
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


def mapping(value: Any) -> dict:
    """``value`` if it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict]:
    """The objects in ``value`` if it is a list, else none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def page_summary(document: Any, verdict: Verdict) -> dict:
    """What the page shows: the stored credential, read without trusting it.

    The title is the name the issuer signed, shown only when the signature
    holds; any part missing or of the wrong shape is left out, not a 500.
    """
    doc = mapping(document)
    subject = mapping(doc.get("credentialSubject"))
    achievement = mapping(subject.get("achievement"))
    levels = {
        lv.get("id"): (rd.get("name", ""), lv.get("name", ""), lv.get("description"))
        for rd in items(achievement.get("resultDescription"))
        for lv in items(rd.get("rubricCriterionLevel"))
    }
    results = [
        levels[r.get("achievedLevel")]
        for r in items(subject.get("result"))
        if r.get("achievedLevel") in levels
    ]
    issuer = doc.get("issuer")
    name = doc.get("name")
    signed = verdict.signature and isinstance(name, str) and name
    return {
        "doc": doc,
        "title": name if signed else "Credential that could not be verified",
        "achievement": {
            **achievement,
            "criteria": mapping(achievement.get("criteria")),
        },
        "results": results,
        "evidence": items(doc.get("evidence")),
        "issuer": mapping(issuer) or {"id": str(issuer or "")},
        "public_credit": mapping(subject.get("publicCredit")) or None,
    }
