"""Open Badges 2.0 hosted documents, for LMS backpacks that read only 2.0.

Built from what the 3.0 credential already states (its achievement), so
the two versions of one award say the same thing. The recipient is the
same salted email hash; verification is ``hosted``: the assertion's URL
answers with the assertion, or with ``revoked: true`` once revoked.
"""

from __future__ import annotations

from typing import Any

from lti_tool.badges.proof import xsd_datetime
from lti_tool.badges.stored import StoredBadge
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


def badge_class(base_url: str, award: BadgeAward, badge: StoredBadge) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(base_url, award),
        "name": badge.name,
        "description": badge.description,
        "image": badge.image,
        "criteria": {"id": badge.achievement_id, "narrative": badge.narrative},
        "issuer": issuer_url(base_url),
    }
    if badge.tags:
        doc["tags"] = list(badge.tags)
    if badge.alignments:
        doc["alignment"] = [
            {
                "targetName": a.name,
                "targetUrl": a.url,
                "targetFramework": a.framework,
                "targetCode": a.code,
            }
            for a in badge.alignments
        ]
    return doc


def revoked_assertion(base_url: str, award: BadgeAward) -> dict[str, Any]:
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url(base_url, award.id),
        "revoked": True,
        "revocationReason": award.revocation_reason,
    }


def assertion(base_url: str, award: BadgeAward, badge: StoredBadge) -> dict[str, Any]:
    """The hosted assertion of an award that is not revoked.

    The recipient hash and salt come from the award's own columns, which
    are what the 3.0 credential signed; the rest from ``badge``, read from
    a credential whose signature the caller has checked.
    """
    url = assertion_url(base_url, award.id)
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email" if badge.identity_type == "emailAddress" else "url",
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
    if badge.evidence:
        doc["evidence"] = [
            {"narrative": f"{e.name}: {e.genre}, {e.digest}"} for e in badge.evidence
        ]
    return doc
