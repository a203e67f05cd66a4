"""Artefacts in a local folder: one file per key, written then renamed.

Resumable uploads are assembled in place: each chunk is written at its
offset into one file, so a finished upload is verified by reading it once
and becomes its artefact by a rename, without a second copy of its bytes.
Writers hold a shared ``flock`` while they write; sealing takes it
exclusively and renames the file, so a request still streaming a stale
chunk can never write into a file that was already verified.

Limit: the fence is ``flock``, so the folder must be on one host (or a
network file system whose ``flock`` works across hosts); more than one host
should store artefacts in S3, as DESIGN.md says.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from lti_tool.storage import CHUNK_SIZE, StorageBusy, StorageError


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


class _PartWrite:
    """Bytes written from ``offset`` on into a file many requests fill."""

    def __init__(self, path: Path, offset: int):
        try:
            self._fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            raise StorageBusy("the upload was sealed or removed") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current != os.fstat(self._fd).st_ino:
                # Sealed between our open and our lock: the file is not ours.
                raise StorageBusy("the upload was sealed")
        except BaseException:
            os.close(self._fd)
            raise
        self._at = offset
        self._open = True

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self._fd, view, self._at)
            self._at += done
            view = view[done:]

    def commit(self, key: str) -> None:
        self.abort()

    def abort(self) -> None:
        # Bytes past what the upload has accepted are overwritten later.
        if self._open:
            self._open = False
            os.close(self._fd)


class _Adopted:
    """An object already written (a sealed upload) becoming its final key."""

    def __init__(self, store: LocalStore, key: str):
        self._store = store
        self._path = store.path(key)

    def write(self, data: bytes) -> None:
        raise StorageError("an adopted object takes no more bytes")

    def commit(self, key: str) -> None:
        target = self._store.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            self._path.unlink(missing_ok=True)
        else:
            os.replace(self._path, target)

    def abort(self) -> None:
        self._path.unlink(missing_ok=True)


class LocalStore:
    """Keys map to files under ``root``; no key can leave the folder."""

    seal_wait = 2.0  # seconds a finish waits for a chunk still being written

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

    # Assembling resumable uploads in place (see the module text).

    def create_part_file(self, key: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    def write_part(self, key: str, offset: int) -> _PartWrite:
        return _PartWrite(self.path(key), offset)

    def seal(self, key: str, sealed: str) -> None:
        """Rename ``key`` to ``sealed`` once no writer holds it.

        Raises ``StorageBusy`` when a request is still writing after
        ``seal_wait`` seconds.
        """
        path = self.path(key)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise StorageBusy("the upload was sealed or removed") from None
        try:
            deadline = time.monotonic() + self.seal_wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StorageBusy("a chunk is still being written") from None
                    time.sleep(0.05)
            os.replace(path, self.path(sealed))
        finally:
            os.close(fd)

    def adopt(self, key: str) -> _Adopted:
        """A pending write whose bytes are already the object ``key``."""
        return _Adopted(self, key)
