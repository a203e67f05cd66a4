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
from datetime import datetime
from typing import Any

import jwt
from jwt import PyJWK

from lti_tool.keys import ALGORITHM, KeyRing, ToolKey
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


@dataclass(frozen=True)
class Signature:
    """What the signature check found, said for the reader.

    ``key`` is ``"current"``, ``"retired"`` (still published) or
    ``"unknown"``; ``claims`` is set only when the signature holds.
    """

    kid: str | None
    key: str
    claims: dict[str, Any] | None = None
    problem: str | None = None
    retired_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.claims is not None

    def describe(self) -> str:
        if not self.ok:
            return f"does not hold: {self.problem}"
        if self.key == "retired":
            when = self.retired_at.date().isoformat() if self.retired_at else "?"
            return f"valid, key {self.kid} (retired {when}, still published)"
        return f"valid, key {self.kid} (the current key)"


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise ReceiptInvalid("the text is not a signed receipt") from None
    if header.get("typ") != RECEIPT_TYPE or header.get("alg") != ALGORITHM:
        raise ReceiptInvalid("the text is not a Pathmark receipt")
    return header


def verify(token: str, published: Iterable[ToolKey]) -> Signature:
    """Check ``token`` against the keys this Pathmark publishes.

    ``published`` is the key ring's current key and the retired keys still
    in their grace period (``KeyRing.published()``), the same set as
    ``/lti/jwks``. Raises ``ReceiptInvalid`` only when the text is not a
    Pathmark receipt at all; a bad signature is a ``Signature`` that is
    not ``ok``. The issuer is left to the caller: it is a separate finding.
    """
    header = _header(token)
    kid = header.get("kid")
    key = next((k for k in published if k.kid == kid), None)
    if key is None:
        return Signature(
            kid,
            "unknown",
            problem=(
                f"it was signed with key {kid}, which this Pathmark does not "
                "publish (another installation's key, or one retired past its "
                "grace period)"
            ),
        )
    state = "current" if key.current else "retired"
    try:
        claims = jwt.decode(
            token,
            PyJWK(key.public_jwk()).key,
            algorithms=[ALGORITHM],
            options={"require": ["iss", "iat"], "verify_aud": False},
        )
    except jwt.InvalidSignatureError:
        problem = f"the content was changed after key {kid} signed it"
        return Signature(kid, state, problem=problem, retired_at=key.retired_at)
    except jwt.InvalidTokenError as exc:
        problem = f"key {kid} matches, but the receipt is not well formed ({exc})"
        return Signature(kid, state, problem=problem, retired_at=key.retired_at)
    if claims.get("receipt_for") != "submission":
        raise ReceiptInvalid("the text is not a submission receipt")
    return Signature(kid, state, claims=claims, retired_at=key.retired_at)


STATUS_TEXT = {
    "matches": "stored bytes re-read now: same SHA-256 as the receipt",
    "recorded": (
        "the fingerprint recorded on arrival equals the receipt's and the "
        "stored file has its size (bytes not re-read here)"
    ),
    "differs": "stored bytes DIFFER from the receipt",
    "record_differs": (
        "the fingerprint or size Pathmark recorded on arrival is not the receipt's"
    ),
    "missing": "missing: Pathmark holds no such artefact or no stored bytes",
    "expired": (
        "media removed by the retention rule; the recorded fingerprint "
        "still equals the receipt's"
    ),
}
GOOD = {"matches", "recorded"}


@dataclass(frozen=True)
class ArtefactCheck:
    artefact_id: str
    status: str  # a key of STATUS_TEXT

    @property
    def ok(self) -> bool:
        return self.status in GOOD

    @property
    def sentence(self) -> str:
        return STATUS_TEXT[self.status]


def _stored_digest(store: ArtefactStore, key: str) -> str:
    digest = hashlib.sha256()
    for data in store.read(key):
        digest.update(data)
    return digest.hexdigest()


def _check_one(
    item: dict, row: Artefact | None, store: ArtefactStore, rehash: bool
) -> str:
    if row is None:
        return "missing"
    if row.sha256 != item.get("sha256") or row.size != item.get("size"):
        return "record_differs"
    if row.media_expired_at is not None:
        return "expired"
    size = store.size(row.storage_key)
    if size is None:
        return "missing"
    if size != row.size:
        return "differs"
    if not rehash:
        return "recorded"
    same = _stored_digest(store, row.storage_key) == row.sha256
    return "matches" if same else "differs"


def check_stored(
    claims: dict[str, Any],
    rows: Iterable[Artefact],
    store: ArtefactStore,
    *,
    rehash: bool,
) -> list[ArtefactCheck]:
    """Whether each artefact the receipt names is still what it states.

    Every check compares the receipt with the digest and size recorded on
    arrival and looks up the stored object's size, which costs one lookup
    per artefact. Only with ``rehash`` are the stored bytes read and hashed
    again, which costs their whole size.
    """
    by_id = {row.id: row for row in rows}
    return [
        ArtefactCheck(
            str(item.get("id")),
            _check_one(item, by_id.get(item.get("id")), store, rehash),
        )
        for item in claims.get("artefacts", [])
    ]
