"""Open Badges 3.0 documents: achievements, results, evidence, credentials.

Everything here is plain data built from a credential definition (the
exact version assessed) and the facts of one award. EU micro-credential
elements go where Open Badges has a field (title, issuer and country,
outcomes, workload as ``creditsAvailable``, CEFR ``alignment``, criterion
levels as ``result``); the rest (assessment type, participation, quality
assurance, EQF level, prerequisites) is stated in the criteria narrative,
which every wallet shows.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from lti_tool.badges.documents import OB_V3, VC_V2
from lti_tool.badges.proof import xsd_datetime
from lti_tool.credentials import CredentialDefinition, Pathway
from lti_tool.signals import ArtefactRef

CEFR_URL = "https://www.coe.int/en/web/common-european-framework-reference-languages"


def contexts(pathmark_context: str) -> list[str]:
    return [VC_V2, OB_V3, pathmark_context]


def achievement_id(base_url: str, key: str, version: int) -> str:
    return f"{base_url}/achievements/{key}/v{version}"


def _sentence(text: str) -> str:
    """``text`` ending in one full stop, whether or not it had one."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _narrative(definition: CredentialDefinition) -> str:
    eu = definition.eu
    lines = [definition.criteria_narrative or definition.outcome]
    if eu.learning_outcomes:
        lines.append(_sentence("Learning outcomes: " + "; ".join(eu.learning_outcomes)))
    workload = f"{eu.workload_hours:g} hours"
    if eu.ects is not None:
        workload += f" ({eu.ects:g} ECTS)"
    lines.append(_sentence(f"Notional workload: {workload}"))
    lines.append(_sentence(f"Level: CEFR {definition.level}; EQF {eu.eqf_level}"))
    if eu.assessment_type:
        lines.append(_sentence(f"Type of assessment: {eu.assessment_type}"))
    lines.append(_sentence(f"Form of participation: {eu.participation}"))
    if eu.quality_assurance:
        lines.append(_sentence(f"Quality assurance: {eu.quality_assurance}"))
    if eu.prerequisites:
        lines.append(_sentence("Prerequisites: " + "; ".join(eu.prerequisites)))
    return "\n".join(lines)


def _alignments(definition: CredentialDefinition) -> list[dict[str, Any]]:
    out = []
    for a in definition.alignments:
        item: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": a.name,
            "targetUrl": a.url or CEFR_URL,
            "targetFramework": a.framework,
            "targetCode": a.code,
        }
        if a.level:
            item["targetDescription"] = f"{a.framework} level {a.level}"
        out.append(item)
    return out


def _result_descriptions(achievement: str, definition: CredentialDefinition):
    out = []
    for criterion in definition.rubric.criteria:
        rid = f"{achievement}#criterion-{criterion.id}"
        levels = [
            {
                "id": f"{rid}-level-{lv.number}",
                "type": ["RubricCriterionLevel"],
                "name": lv.label,
                "description": lv.descriptor,
                "level": str(lv.number),
                "points": f"{lv.points:g}",
            }
            for lv in sorted(criterion.levels, key=lambda lv: lv.number)
        ]
        out.append(
            {
                "id": rid,
                "type": ["ResultDescription"],
                "name": criterion.title,
                "resultType": "RubricCriterionLevel",
                "allowedValue": [lv["name"] for lv in levels],
                "requiredLevel": f"{rid}-level-{definition.mastery.level}",
                "rubricCriterionLevel": levels,
            }
        )
    return out


def achievement(
    definition: CredentialDefinition, base_url: str, image_url: str
) -> dict[str, Any]:
    aid = achievement_id(base_url, definition.key, definition.version)
    doc: dict[str, Any] = {
        "id": aid,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": definition.title,
        "description": definition.description or definition.outcome,
        "criteria": {"narrative": _narrative(definition)},
        "image": {"id": image_url, "type": "Image", "caption": definition.title},
        "inLanguage": "en",
        "version": str(definition.version),
        "tag": [t for t in (definition.skill, definition.level) if t],
        "resultDescription": _result_descriptions(aid, definition),
    }
    credits = definition.eu.ects
    if credits is not None:
        doc["creditsAvailable"] = credits
    alignments = _alignments(definition)
    if alignments:
        doc["alignment"] = alignments
    return doc


def pathway_achievement(
    pathway: Pathway, base_url: str, image_url: str, titles: Mapping[str, str]
) -> dict[str, Any]:
    """The achievement of completing a pathway (all of, or n of, its list)."""
    aid = f"{base_url}/achievements/pathways/{pathway.key}/v{pathway.version}"
    names = ", ".join(titles.get(k, k) for k in pathway.credentials)
    rule = (
        f"all of: {names}"
        if pathway.required is None
        else f"{pathway.required} of: {names}"
    )
    return {
        "id": aid,
        "type": ["Achievement"],
        "achievementType": "Achievement",
        "name": pathway.title,
        "description": pathway.description or pathway.title,
        "criteria": {
            "narrative": pathway.criteria_narrative
            or f"Awarded on holding the credentials of this pathway, {rule}."
        },
        "image": {"id": image_url, "type": "Image", "caption": pathway.title},
        "version": str(pathway.version),
    }


def result_entries(
    achievement_doc: Mapping[str, Any], levels: Mapping[str, int]
) -> list[dict[str, Any]]:
    """Results pointing into the achievement's own result descriptions."""
    out = []
    for rd in achievement_doc.get("resultDescription", []):
        criterion = rd["id"].rsplit("#criterion-", 1)[1]
        if criterion not in levels:
            continue
        level_id = f"{rd['id']}-level-{levels[criterion]}"
        if not any(lv["id"] == level_id for lv in rd["rubricCriterionLevel"]):
            raise ValueError(f"criterion {criterion} has no level {levels[criterion]}")
        out.append(
            {
                "type": ["Result"],
                "resultDescription": rd["id"],
                "achievedLevel": level_id,
            }
        )
    return out


def digest_sri(sha256_hex: str) -> str:
    """Subresource Integrity form of a SHA-256 digest given in hex."""
    raw = bytes.fromhex(sha256_hex)
    if len(raw) != hashlib.sha256().digest_size:
        raise ValueError("not a SHA-256 digest")
    return "sha256-" + base64.b64encode(raw).decode("ascii")


def evidence(artefacts: Iterable[ArtefactRef]) -> list[dict[str, Any]]:
    """One entry per artefact: digest and how it was made; no media."""
    out = []
    for n, ref in enumerate(artefacts, start=1):
        out.append(
            {
                "type": ["Evidence"],
                "name": f"Artefact {n}",
                "genre": ref.media_type,
                "description": f"{ref.size} bytes, SHA-256 {ref.sha256}",
                "digestSRI": digest_sri(ref.sha256),
                "captureMode": ref.capture_mode,
                "supervision": ref.supervision,
                "receivedAt": xsd_datetime(ref.received_at),
            }
        )
    return out


def credential(
    *,
    credential_id: str,
    context_url: str,
    issuer: Mapping[str, Any],
    achievement_doc: Mapping[str, Any],
    identity: Mapping[str, Any],
    subject_did: str | None,
    valid_from: datetime,
    valid_until: datetime | None,
    status: Mapping[str, Any],
    result: list[dict[str, Any]] | None = None,
    evidence_docs: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential``."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [dict(identity)],
        "achievement": dict(achievement_doc),
    }
    if subject_did:
        subject["id"] = subject_did
    if result:
        subject["result"] = result
    doc: dict[str, Any] = {
        "@context": contexts(context_url),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": dict(issuer),
        "name": achievement_doc["name"],
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
        "credentialStatus": dict(status),
    }
    if valid_until is not None:
        doc["validUntil"] = xsd_datetime(valid_until)
    if evidence_docs:
        doc["evidence"] = evidence_docs
    return doc


def issuer_profile(
    did: str, name: str, url: str, country: str, email: str = ""
) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": name, "url": url}
    if country:
        profile["address"] = {"type": ["Address"], "addressCountry": country}
    if email:
        profile["email"] = email
    return profile
