"""Checking a credential Pathmark issued: signature, status and dates.

The checks a public verification page states in plain words. The key comes
from the proof's verification method: a ``did:key`` carries it; a
``did:web`` method must be one of this issuer's keys, current or retired.
The method's DID must be the credential's issuer, so a credential re-signed
with some other key does not pass as Pathmark's. A stored document of
the wrong shape, or naming a context Pathmark does not ship, is reported
as not verified, never raised to the page that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld.jsonld import JsonLdError

from lti_tool.badges.documents import DocumentLoader
from lti_tool.badges.issuer_keys import Issuer
from lti_tool.badges.multikey import public_bytes, public_key_from_multikey
from lti_tool.badges.proof import ProofError, verify
from lti_tool.badges.status_list import Bitstring

StatusLookup = Callable[[str], dict[str, Any] | None]

# What a stored document that is not what Pathmark signed can raise on the
# way through JSON-LD and the checks below: it makes the credential invalid.
MALFORMED = (JsonLdError, LookupError, TypeError, ValueError, AttributeError)


@dataclass
class Verdict:
    signature: bool = False
    status: str = "unknown"  # "active", "revoked" or "unknown"
    dates: str = "valid"  # "valid", "expired", "not yet valid" or "unknown"
    problems: list[str] = field(default_factory=list)
    # False when the document could not be read far enough to be checked.
    readable: bool = True

    @property
    def valid(self) -> bool:
        return self.signature and self.status == "active" and self.dates == "valid"


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else str(issuer or "")


def resolve_key(method: str, issuer: Issuer) -> tuple[str, Ed25519PublicKey] | None:
    """The DID and public key a verification method names, when known."""
    did, _, fragment = method.partition("#")
    if did.startswith("did:key:"):
        if did != "did:key:" + fragment:
            return None
        try:
            return did, public_key_from_multikey(fragment)
        except ValueError:
            return None
    if did == issuer.did:
        key = issuer.resolve(method)
        return (did, key) if key is not None else None
    return None


def check_signature(
    document: dict[str, Any], issuer: Issuer, loader: DocumentLoader
) -> tuple[bool, str]:
    proof = document.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    if not isinstance(proof, dict):
        return False, "the credential carries no proof"
    resolved = resolve_key(str(proof.get("verificationMethod", "")), issuer)
    if resolved is None:
        return False, "the signing key is not one of this issuer's keys"
    did, key = resolved
    if did != _issuer_id(document):
        return False, "the signing key belongs to another issuer"
    try:
        ok = verify(document, key, loader)
    except (ProofError, ValueError) as exc:
        return False, f"the proof cannot be checked: {exc}"
    except JsonLdError:
        return False, (
            "the credential uses a JSON-LD context Pathmark does not hold, "
            "so its content cannot be read or checked"
        )
    return ok, "" if ok else "the signature does not match the content"


def _signed_with_our_key(document: dict[str, Any], issuer: Issuer) -> bool:
    """Whether the proof's key is one of this issuer's, current or retired.

    Under did:key a rotation changes the issuer's DID, and a status list
    re-signed afterwards names the new one; the key decides, not the DID.
    """
    proof = document.get("proof")
    proof = proof[0] if isinstance(proof, list) and proof else proof
    if not isinstance(proof, dict):
        return False
    resolved = resolve_key(str(proof.get("verificationMethod", "")), issuer)
    if resolved is None:
        return False
    ours = {public_bytes(k) for k in issuer.public_keys()}
    return public_bytes(resolved[1]) in ours


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check(
    document: Any,
    issuer: Issuer,
    loader: DocumentLoader,
    status_lookup: StatusLookup,
    now: datetime,
) -> Verdict:
    """Signature, dates and status; a malformed document is simply invalid."""
    if not isinstance(document, dict):
        return _unreadable("the stored credential is not a JSON object")
    try:
        return _check(document, issuer, loader, status_lookup, now)
    except MALFORMED:
        return _unreadable("the credential is malformed and cannot be checked")


def _unreadable(problem: str) -> Verdict:
    return Verdict(dates="unknown", problems=[problem], readable=False)


def _check(
    document: dict[str, Any],
    issuer: Issuer,
    loader: DocumentLoader,
    status_lookup: StatusLookup,
    now: datetime,
) -> Verdict:
    verdict = Verdict()
    verdict.signature, problem = check_signature(document, issuer, loader)
    if problem:
        verdict.problems.append(problem)

    try:
        if "validFrom" in document and now < _parse(document["validFrom"]):
            verdict.dates = "not yet valid"
        if "validUntil" in document and now > _parse(document["validUntil"]):
            verdict.dates = "expired"
    except (ValueError, TypeError, AttributeError):
        verdict.dates = "expired"
        verdict.problems.append("the validity dates cannot be read")

    status = document.get("credentialStatus")
    if not isinstance(status, dict):
        verdict.problems.append("the credential names no status list")
        return verdict
    listing = status_lookup(str(status.get("statusListCredential", "")))
    if listing is None:
        verdict.problems.append("the status list is not available")
        return verdict
    ok, problem = check_signature(listing, issuer, loader)
    if not ok or not _signed_with_our_key(listing, issuer):
        verdict.problems.append("the status list is not signed by the issuer")
        return verdict
    try:
        bits = Bitstring.decode(listing["credentialSubject"]["encodedList"])
        revoked = bits.get(int(status["statusListIndex"]))
    except (KeyError, TypeError, ValueError, IndexError, OSError):
        verdict.problems.append("the status list cannot be read")
        return verdict
    verdict.status = "revoked" if revoked else "active"
    return verdict
