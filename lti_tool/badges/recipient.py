"""Hashed recipient identities, as Open Badges 2.0 and 3.0 write them.

Both versions hash the same way: SHA-256 over the identity followed by the
salt, written ``sha256$`` and lower-case hex. An email is trimmed and
lower-cased first, so ``Ana@Example.org `` and ``ana@example.org`` hash
alike and a verifier who knows the address can check it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_salt() -> str:
    return secrets.token_hex(16)


def identity_hash(identity: str, salt: str) -> str:
    """``sha256$`` + hex of SHA-256(identity + salt)."""
    digest = hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()
    return "sha256$" + digest


def email_hash(email: str, salt: str) -> str:
    return identity_hash(normalise_email(email), salt)


def matches_email(email: str, salt: str, hashed: str) -> bool:
    """Whether ``email`` is the address behind ``hashed``."""
    return hmac.compare_digest(email_hash(email, salt), hashed.lower())


def identity_object(email: str, salt: str) -> dict[str, Any]:
    """An Open Badges 3.0 ``IdentityObject`` for an email address."""
    return {
        "type": "IdentityObject",
        "identityHash": email_hash(email, salt),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }
