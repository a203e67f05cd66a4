"""Open Badges 2.0 hosted documents, for LMS backpacks that read only 2.0.

Built from what the 3.0 credential already states (its achievement), so
the two versions of one award say the same thing. The recipient is the
same salted email hash; verification is ``hosted``: the assertion's URL
answers with the assertion, or with ``revoked: true`` once revoked.
"""

from __future__ import annotations

from typing import Any

from lti_tool.badges.proof import xsd_datetime
from lti_tool.models import BadgeAward

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def issuer_url(base_url: str) -> str:
    return f"{base_url}/ob2/issuer"


def assertion_url(base_url: str, award_id: str) -> str:
    return f"{base_url}/ob2/assertions/{award_id}"


def badge_class_url(base_url: str, award: BadgeAward) -> str:
    version = award.credential_version_id or award.pathway_version_id
    return f"{base_url}/ob2/badgeclasses/{award.kind}/{version}"


def issuer(base_url: str, name: str) -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": issuer_url(base_url),
        "name": name,
        "url": base_url,
    }


def badge_class(base_url: str, award: BadgeAward) -> dict[str, Any]:
    achievement = award.document["credentialSubject"]["achievement"]
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(base_url, award),
        "name": achievement["name"],
        "description": achievement["description"],
        "image": achievement["image"]["id"],
        "criteria": {
            "id": achievement["id"],
            "narrative": achievement["criteria"]["narrative"],
        },
        "issuer": issuer_url(base_url),
    }
    if achievement.get("tag"):
        doc["tags"] = list(achievement["tag"])
    alignments = [
        {
            "targetName": a["targetName"],
            "targetUrl": a["targetUrl"],
            "targetFramework": a.get("targetFramework", ""),
            "targetCode": a.get("targetCode", ""),
        }
        for a in achievement.get("alignment", [])
    ]
    if alignments:
        doc["alignment"] = alignments
    return doc


def assertion(base_url: str, award: BadgeAward) -> dict[str, Any]:
    url = assertion_url(base_url, award.id)
    if award.revoked:
        return {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": url,
            "revoked": True,
            "revocationReason": award.revocation_reason,
        }
    identity = award.document["credentialSubject"]["identifier"][0]
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email" if identity["identityType"] == "emailAddress" else "url",
            "hashed": True,
            "salt": award.salt,
            "identity": award.recipient_hash,
        },
        "badge": badge_class_url(base_url, award),
        "verification": {"type": "hosted"},
        "issuedOn": xsd_datetime(award.issued_at),
        "image": f"{url}/badge.png",
    }
    if award.valid_until is not None:
        doc["expires"] = xsd_datetime(award.valid_until)
    evidence = [
        {"narrative": f"{e['name']}: {e['genre']}, {e['digestSRI']}"}
        for e in award.document.get("evidence", [])
    ]
    if evidence:
        doc["evidence"] = evidence
    return doc
