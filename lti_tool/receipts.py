"""Signed receipts: what was handed in, when, proven with the tool's key.

A receipt is a compact JWS (RS256, the tool key from ``lti_tool.keys``, its
``kid`` in the header) over the submission's ids and each artefact's
digest, size, media type and server arrival time. Anyone can check the
signature against ``/lti/jwks``; Pathmark can also say whether the stored
artefacts still hash to what the receipt states.

Limit: a key that left the JWKS after its grace period can no longer verify
receipts it signed; keep old public keys if receipts must outlive rotation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK

from lti_tool.keys import ALGORITHM, KeyRing
from lti_tool.models import Artefact, Submission
from lti_tool.storage import ArtefactStore

RECEIPT_TYPE = "pathmark-receipt+jwt"


class ReceiptInvalid(ValueError):
    """The text is not a receipt Pathmark signed, or was altered."""


def _iso(value) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


def claims_for(submission: Submission, issuer: str) -> dict[str, Any]:
    """The receipt's content: ids and digests, never the evidence itself."""
    link = submission.resource_link
    course = link.course
    person = submission.person
    pieces = [a for a in submission.artefacts if a.withdrawn_at is None]
    return {
        "iss": issuer,
        "iat": int(submission.submitted_at.timestamp()),
        "receipt_for": "submission",
        "submission": {
            "id": submission.id,
            "attempt": submission.attempt,
            "submitted_at": _iso(submission.submitted_at),
            "late": submission.late,
            "credential_version_id": submission.credential_version_id,
        },
        "course": {
            "context_id": course.context_id if course else None,
            "title": course.title if course else None,
        },
        "resource_link": {"id": link.link_id, "title": link.title},
        "learner": {"sub": person.sub, "name": person.name},
        "artefacts": [
            {
                "id": a.id,
                "sha256": a.sha256,
                "size": a.size,
                "media_type": a.media_type,
                "capture_mode": a.capture_mode,
                "received_at": _iso(a.received_at),
            }
            for a in pieces
        ],
    }


def sign(keyring: KeyRing, claims: dict[str, Any]) -> str:
    return keyring.sign(claims, headers={"typ": RECEIPT_TYPE})


def read_file_text(text: str) -> str:
    """The JWS in a receipt file: bare, or inside JSON under "receipt"."""
    text = text.strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("receipt", ""))
        except (ValueError, AttributeError):
            raise ReceiptInvalid("the file is not a Pathmark receipt") from None
    return text.strip()


def verify(token: str, jwks: dict[str, Any], issuer: str | None = None) -> dict:
    """The receipt's claims if the signature holds under one of ``jwks``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise ReceiptInvalid("the text is not a signed receipt") from None
    if header.get("typ") != RECEIPT_TYPE or header.get("alg") != ALGORITHM:
        raise ReceiptInvalid("the text is not a Pathmark receipt")
    matching = [k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")]
    if not matching:
        raise ReceiptInvalid("it was signed with a key this Pathmark does not publish")
    try:
        claims = jwt.decode(
            token,
            PyJWK(matching[0]).key,
            algorithms=[ALGORITHM],
            options={"require": ["iss", "iat"], "verify_aud": False},
            issuer=issuer,
        )
    except jwt.InvalidTokenError as exc:
        raise ReceiptInvalid(f"the signature does not hold ({exc})") from None
    if claims.get("receipt_for") != "submission":
        raise ReceiptInvalid("the text is not a submission receipt")
    return claims


@dataclass(frozen=True)
class ArtefactCheck:
    artefact_id: str
    status: str  # "matches", "differs", "missing", "expired"

    @property
    def ok(self) -> bool:
        return self.status == "matches"


def _stored_digest(store: ArtefactStore, key: str) -> str | None:
    if store.size(key) is None:
        return None
    digest = hashlib.sha256()
    for data in store.read(key):
        digest.update(data)
    return digest.hexdigest()


def check_stored(
    claims: dict[str, Any],
    rows: Iterable[Artefact],
    store: ArtefactStore,
) -> list[ArtefactCheck]:
    """Whether each artefact the receipt names still hashes the same.

    Media removed by the retention rule is reported as "expired" when its
    kept digest still equals the receipt's.
    """
    by_id = {row.id: row for row in rows}
    results = []
    for item in claims.get("artefacts", []):
        row = by_id.get(item.get("id"))
        if row is None:
            results.append(ArtefactCheck(str(item.get("id")), "missing"))
            continue
        if row.sha256 != item.get("sha256") or row.size != item.get("size"):
            results.append(ArtefactCheck(row.id, "differs"))
            continue
        if row.media_expired_at is not None:
            results.append(ArtefactCheck(row.id, "expired"))
            continue
        found = _stored_digest(store, row.storage_key)
        status = (
            "missing"
            if found is None
            else ("matches" if found == item.get("sha256") else "differs")
        )
        results.append(ArtefactCheck(row.id, status))
    return results
