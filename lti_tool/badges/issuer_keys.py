"""The issuer's Ed25519 keys: kept as PEM files, newest signs, all resolve.

Keys live in ``<keys_dir>/badges/`` (mode 0600), one PKCS#8 PEM file per
key, named by creation time. The newest signs; older keys stay listed in
the did:web document, so credentials signed before a rotation keep
verifying. With ``did:key`` a credential carries its key in the DID
itself, so rotation needs nothing published.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from lti_tool.badges.multikey import (
    did_key,
    did_key_method,
    did_web,
    did_web_document,
    public_multikey,
)
from lti_tool.badges.proof import SigningKey

DID_METHODS = ("web", "key")


class IssuerKeyError(RuntimeError):
    """No usable issuer key, or a key file that cannot be read."""


@dataclass(frozen=True)
class Issuer:
    """Who signs: the DID, its keys (newest first) and the signing key."""

    did: str
    keys: tuple[Ed25519PrivateKey, ...]

    @property
    def signing_key(self) -> SigningKey:
        key = self.keys[0]
        return SigningKey(key, self.method_id(key.public_key()))

    def method_id(self, public: Ed25519PublicKey) -> str:
        if self.did.startswith("did:key:"):
            return did_key_method(public)
        return f"{self.did}#{public_multikey(public)}"

    def public_keys(self) -> list[Ed25519PublicKey]:
        return [k.public_key() for k in self.keys]

    def resolve(self, method: str) -> Ed25519PublicKey | None:
        """The public key a verification method names, if it is ours."""
        for public in self.public_keys():
            if self.method_id(public) == method:
                return public
        return None

    def did_document(self) -> dict:
        return did_web_document(self.did, self.public_keys())


class IssuerKeys:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def key_files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(self.folder.glob("ed25519-*.pem"), reverse=True)

    def ensure(self) -> bool:
        """Create the first key when there is none; True when created."""
        if self.key_files():
            return False
        self.rotate()
        return True

    def rotate(self) -> Path:
        """Add a new key, which signs from now on; the old ones stay."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.folder / f"ed25519-{stamp}.pem"
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return path

    def private_keys(self) -> tuple[Ed25519PrivateKey, ...]:
        keys = []
        for path in self.key_files():
            key = serialization.load_pem_private_key(path.read_bytes(), None)
            if not isinstance(key, Ed25519PrivateKey):
                raise IssuerKeyError(f"{path.name} is not an Ed25519 key")
            keys.append(key)
        if not keys:
            raise IssuerKeyError(f"no issuer key in {self.folder}; run lti-tool init")
        return tuple(keys)

    def issuer(self, base_url: str, method: str) -> Issuer:
        keys = self.private_keys()
        if method == "key":
            return Issuer(did_key(keys[0].public_key()), keys)
        if method == "web":
            return Issuer(did_web(base_url), keys)
        raise IssuerKeyError(f"badge_did_method must be one of {DID_METHODS}")
