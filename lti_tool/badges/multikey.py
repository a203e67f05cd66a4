"""Ed25519 keys as Multikey, did:key and did:web identifiers.

Multikey (W3C Controlled Identifiers) writes an Ed25519 public key as
multibase base58btc over the multicodec prefix ``0xed01`` and the 32 key
bytes, which gives the familiar ``z6Mk...``. A did:key is that string
behind ``did:key:``; a did:web names a host whose ``/.well-known/did.json``
lists the keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_PUB_PREFIX = b"\xed\x01"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` then Bitcoin-alphabet base58."""
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_decode(text: str) -> bytes:
    if not text.startswith("z"):
        raise ValueError("only base58btc multibase (z...) is supported")
    return base58.b58decode(text[1:])


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_multikey(key: Ed25519PublicKey) -> str:
    return multibase_encode(ED25519_PUB_PREFIX + public_bytes(key))


def public_key_from_multikey(text: str) -> Ed25519PublicKey:
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def did_key(key: Ed25519PublicKey) -> str:
    return "did:key:" + public_multikey(key)


def did_key_method(key: Ed25519PublicKey) -> str:
    """The verification method id of a did:key: the DID, ``#``, the key."""
    multikey = public_multikey(key)
    return f"did:key:{multikey}#{multikey}"


def did_web(base_url: str) -> str:
    """did:web for the host of ``base_url`` (a port is percent-encoded)."""
    parts = urlsplit(base_url)
    did = "did:web:" + quote(parts.netloc, safe="")
    path = parts.path.strip("/")
    if path:
        did += ":" + ":".join(quote(p, safe="") for p in path.split("/"))
    return did


def did_web_document(did: str, keys: list[Ed25519PublicKey]) -> dict[str, Any]:
    """The DID document: every key listed, each usable for assertions.

    Keys stay listed after a rotation, so credentials signed with an
    older key keep resolving; the first key is the current one.
    """
    methods = [
        {
            "id": f"{did}#{public_multikey(k)}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_multikey(k),
        }
        for k in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids[:1],
    }
