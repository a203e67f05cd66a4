"""Data Integrity proofs, cryptosuite ``eddsa-rdfc-2022``.

Implements W3C "Data Integrity EdDSA Cryptosuites v1.0", section 3.3:
the document (without proof) and the proof configuration (the proof's
options plus the document's ``@context``) are each canonicalized with
RDFC-1.0 and hashed with SHA-256; Ed25519 signs the proof hash followed by
the document hash; ``proofValue`` is the signature in multibase base58btc.
No Python library implements this suite on pyld, so it is written here
from the specification.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lti_tool.badges.canonical import canonicalize, checked_canonical
from lti_tool.badges.documents import DocumentLoader
from lti_tool.badges.multikey import multibase_decode, multibase_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofError(ValueError):
    """A proof is missing, malformed, or does not match the document."""


@dataclass(frozen=True)
class SigningKey:
    """A private key and the verification method that names its public key."""

    private_key: Ed25519PrivateKey
    verification_method: str


def xsd_datetime(moment: datetime) -> str:
    """An ``xsd:dateTime`` in UTC, to the second, with a ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def proof_options(verification_method: str, created: datetime) -> dict[str, Any]:
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def hash_data(
    document: dict[str, Any],
    options: dict[str, Any],
    loader: DocumentLoader,
    *,
    check: bool = True,
) -> bytes:
    """``sha256(canonical proof config) || sha256(canonical document)``."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    config = {"@context": document["@context"], **options}
    canon = checked_canonical if check else canonicalize
    document_hash = hashlib.sha256(canon(unsigned, loader).encode()).digest()
    config_hash = hashlib.sha256(canon(config, loader).encode()).digest()
    return config_hash + document_hash


def sign(
    document: dict[str, Any],
    key: SigningKey,
    created: datetime,
    loader: DocumentLoader,
) -> dict[str, Any]:
    """A copy of ``document`` with an embedded proof (a one-item list).

    Raises :class:`~lti_tool.badges.canonical.UnsafeDocument` when JSON-LD
    processing would drop or misread any part of the document.
    """
    options = proof_options(key.verification_method, created)
    signature = key.private_key.sign(hash_data(document, options, loader))
    proof = {**options, "proofValue": multibase_encode(signature)}
    return {**document, "proof": [proof]}


def verify(
    document: dict[str, Any],
    public_key: Ed25519PublicKey,
    loader: DocumentLoader,
) -> bool:
    """Whether the document's one proof is valid for ``public_key``."""
    proofs = document.get("proof")
    if isinstance(proofs, list):
        if len(proofs) != 1:
            raise ProofError("expected exactly one proof")
        proof = proofs[0]
    elif isinstance(proofs, dict):
        proof = proofs
    else:
        raise ProofError("the document carries no proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("not a DataIntegrityProof with eddsa-rdfc-2022")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        signature = multibase_decode(proof["proofValue"])
    except (KeyError, ValueError):
        raise ProofError("proofValue is missing or not base58btc") from None
    data = hash_data(document, options, loader, check=False)
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
