"""Bitstring Status List v1.0: the revocation bits and their credential.

A list is at least 16 KiB of bits (131,072 entries), so one revocation in
a small list does not single out the holder. Bit 0 is the most significant
bit of the first byte. ``encodedList`` is the gzip of the bits in multibase
base64url without padding (a leading ``u``).
"""

from __future__ import annotations

import base64
import gzip
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from lti_tool.badges.documents import VC_V2
from lti_tool.badges.proof import xsd_datetime

MIN_BITS = 131_072
PURPOSE = "revocation"


class Bitstring:
    def __init__(self, size: int = MIN_BITS, data: bytes | None = None):
        if size % 8:
            raise ValueError("a status list holds a whole number of bytes")
        self.size = size
        self.bytes = bytearray(data if data is not None else size // 8)
        if len(self.bytes) != size // 8:
            raise ValueError("status list data does not match its size")

    def get(self, index: int) -> bool:
        self._check(index)
        return bool(self.bytes[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool) -> None:
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self.bytes[index // 8] |= mask
        else:
            self.bytes[index // 8] &= ~mask & 0xFF

    def _check(self, index: int) -> None:
        if not 0 <= index < self.size:
            raise IndexError(f"status index {index} outside 0..{self.size - 1}")

    def encode(self) -> str:
        packed = gzip.compress(bytes(self.bytes), mtime=0)
        return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, encoded: str) -> Bitstring:
        if not encoded.startswith("u"):
            raise ValueError("encodedList must be multibase base64url (u...)")
        text = encoded[1:]
        raw = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return cls(len(raw) * 8, raw)


def random_free(
    bits: Bitstring, used: Callable[[set[int] | None], set[int]]
) -> int | None:
    """A random index whose bit is clear and that ``used`` does not name.

    A set bit belongs to a revoked or superseded credential; a clear one may
    still be named by a live credential, which ``used`` reports among the
    candidates given (all of them when given None). Random candidates are
    tried in small batches; a nearly full list falls back to a choice among
    every free index. None when no index is free.
    """
    for _ in range(4):
        candidates = {secrets.randbelow(bits.size) for _ in range(16)}
        candidates = {i for i in candidates if not bits.get(i)}
        free = sorted(candidates - used(candidates)) if candidates else []
        if free:
            return secrets.choice(free)
    taken = used(None)
    free = [i for i in range(bits.size) if i not in taken and not bits.get(i)]
    return secrets.choice(free) if free else None


def entry(list_url: str, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` a credential carries for its bit."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def list_credential(
    list_url: str, issuer: str, bits: Bitstring, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` for ``bits``."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": bits.encode(),
        },
    }
