"""Artefacts in a local folder: one file per key, written then renamed."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from lti_tool.storage import CHUNK_SIZE, StorageError


class _LocalWrite:
    def __init__(self, store: LocalStore):
        self._store = store
        incoming = store.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        self._path = incoming / secrets.token_hex(16)
        self._fh = open(self._path, "xb")  # noqa: SIM115 - closed in commit/abort
        self._done = False

    def write(self, data: bytes) -> None:
        self._fh.write(data)

    def commit(self, key: str) -> None:
        self._fh.close()
        target = self._store.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            # Same key means same content: keep the first copy.
            self._path.unlink(missing_ok=True)
        else:
            os.replace(self._path, target)
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._fh.close()
        self._path.unlink(missing_ok=True)
        self._done = True


class LocalStore:
    """Keys map to files under ``root``; no key can leave the folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(p in {"", ".", ".."} for p in parts):
            raise StorageError(f"not a storage key: {key!r}")
        return self.root.joinpath(*parts)

    def begin(self) -> _LocalWrite:
        return _LocalWrite(self)

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self.path(key), "rb") as fh:
            fh.seek(start)
            left = None if end is None else end - start
            while left is None or left > 0:
                want = CHUNK_SIZE if left is None else min(CHUNK_SIZE, left)
                data = fh.read(want)
                if not data:
                    return
                if left is not None:
                    left -= len(data)
                yield data

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
