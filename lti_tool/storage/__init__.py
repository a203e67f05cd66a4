"""Where artefact bytes live: a local folder, or an S3-compatible bucket.

Both stores offer the same small interface. Writes go to a pending object
first and reach their final, content-addressed key only on ``commit``, so
an upload refused half-way leaves nothing behind. Keys are built by
Pathmark (digests, random ids), never from names a learner sent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

CHUNK_SIZE = 1024 * 1024


def content_key(sha256: str) -> str:
    """The key of the bytes whose SHA-256 is ``sha256`` (hex)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"sha256/{sha256[:2]}/{sha256}"


class PendingWrite(Protocol):
    def write(self, data: bytes) -> None: ...

    def commit(self, key: str) -> None:
        """Make the written bytes the object ``key`` (kept if it exists)."""

    def abort(self) -> None:
        """Forget the written bytes; harmless after commit or twice."""


class ArtefactStore(Protocol):
    def begin(self) -> PendingWrite: ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``start`` to ``end`` (exclusive) in chunks."""

    def size(self, key: str) -> int | None:
        """The object's size, or ``None`` when it does not exist."""

    def delete(self, key: str) -> None: ...


class StorageError(RuntimeError):
    """The artefact store cannot be reached or refused an operation."""


class StorageBusy(StorageError):
    """An upload file is being written or was sealed; try again later."""


def assembles_in_place(store: ArtefactStore) -> bool:
    """Whether ``store`` writes resumable uploads into one file (local)."""
    return hasattr(store, "write_part")


def build_store(config: Mapping[str, Any], instance_path: str) -> ArtefactStore:
    """The store the settings name: ``local`` (default) or ``s3``."""
    kind = config["STORAGE"]
    if kind == "local":
        from lti_tool.config import resolve_path
        from lti_tool.storage.local import LocalStore

        folder = config["STORAGE_DIR"]
        root = resolve_path(folder) if folder else Path(instance_path) / "artefacts"
        return LocalStore(root)
    if kind == "s3":
        from lti_tool.storage.s3 import S3Store

        return S3Store(
            bucket=config["S3_BUCKET"],
            endpoint_url=config["S3_ENDPOINT_URL"] or None,
            region=config["S3_REGION"] or None,
            prefix=config["S3_PREFIX"],
        )
    raise ValueError(f'storage must be "local" or "s3", not {kind!r}')
