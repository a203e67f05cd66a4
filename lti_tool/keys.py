"""The tool's RSA signing keys: created, rotated, published as a JWKS.

Keys are PEM files in the keys folder (mode 0600) plus ``keyring.json``,
which names the current key and when others were retired. A retired key
stays published for a grace period, so platforms holding a cached JWKS can
still verify what Pathmark signed just before a rotation. Running workers
notice a rotation made by another process through the file's mtime.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEYRING_FILE = "keyring.json"
ALGORITHM = "RS256"


class KeyRingError(RuntimeError):
    """The keys folder is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class ToolKey:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    private_key: rsa.RSAPrivateKey

    @property
    def current(self) -> bool:
        return self.retired_at is None

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return jwk

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def _thumbprint(key: rsa.RSAPrivateKey) -> str:
    """RFC 7638 JWK thumbprint: a stable kid derived from the key itself."""
    import base64
    import hashlib

    numbers = key.public_key().public_numbers()

    def b64(n: int) -> str:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    canonical = json.dumps(
        {"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class KeyRing:
    """The keys folder as one object; safe to share between threads."""

    def __init__(self, folder: Path, grace: timedelta = timedelta(days=7)):
        self.folder = Path(folder)
        self.grace = grace
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._keys: list[ToolKey] = []

    # Reading

    def keys(self) -> list[ToolKey]:
        """All keys, current first, re-read when the keyring file changed."""
        path = self.folder / KEYRING_FILE
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            raise KeyRingError(
                f"No tool keys in {self.folder}. Run `lti-tool init` to create them."
            ) from None
        with self._lock:
            if mtime != self._loaded_mtime:
                self._keys = self._read()
                self._loaded_mtime = mtime
            return list(self._keys)

    def _read(self) -> list[ToolKey]:
        entries = json.loads((self.folder / KEYRING_FILE).read_text())["keys"]
        keys = []
        for entry in entries:
            pem = (self.folder / f"{entry['kid']}.pem").read_bytes()
            private = serialization.load_pem_private_key(pem, password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
            retired = entry.get("retired_at")
            keys.append(
                ToolKey(
                    kid=entry["kid"],
                    created_at=datetime.fromisoformat(entry["created_at"]),
                    retired_at=datetime.fromisoformat(retired) if retired else None,
                    private_key=private,
                )
            )
        keys.sort(key=lambda k: (not k.current, -k.created_at.timestamp()))
        if not keys or not keys[0].current:
            raise KeyRingError(f"{self.folder / KEYRING_FILE} names no current key")
        return keys

    def current(self) -> ToolKey:
        return self.keys()[0]

    def published(self, now: datetime | None = None) -> list[ToolKey]:
        """The current key and the retired ones still in their grace period."""
        now = now or datetime.now(UTC)
        return [
            k
            for k in self.keys()
            if k.retired_at is None or now - k.retired_at < self.grace
        ]

    def jwks(self, now: datetime | None = None) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.published(now)]}

    def sign(self, payload: dict[str, Any], headers: dict | None = None) -> str:
        """A JWT signed with the current key, its kid in the header."""
        key = self.current()
        return jwt.encode(
            payload,
            key.private_key,
            algorithm=ALGORITHM,
            headers={**(headers or {}), "kid": key.kid},
        )

    # Writing

    def exists(self) -> bool:
        return (self.folder / KEYRING_FILE).exists()

    def ensure(self) -> ToolKey | None:
        """Create the first key if there is none; return it, else ``None``."""
        if self.exists():
            return None
        return self.rotate()

    def rotate(self, now: datetime | None = None) -> ToolKey:
        """Make a new current key; the previous one enters its grace period."""
        now = now or datetime.now(UTC)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = _thumbprint(private)
        _write_private(
            self.folder / f"{kid}.pem",
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )

        path = self.folder / KEYRING_FILE
        entries = json.loads(path.read_text())["keys"] if path.exists() else []
        for entry in entries:
            if entry.get("retired_at") is None:
                entry["retired_at"] = now.isoformat()
        # Keys past their grace period are dropped from the ring and disk.
        kept = []
        for entry in entries:
            retired = datetime.fromisoformat(entry["retired_at"])
            if now - retired < self.grace:
                kept.append(entry)
            else:
                (self.folder / f"{entry['kid']}.pem").unlink(missing_ok=True)
        kept.append({"kid": kid, "created_at": now.isoformat(), "retired_at": None})
        _write_private(path, json.dumps({"keys": kept}, indent=2).encode())
        return ToolKey(kid, now, None, private)
