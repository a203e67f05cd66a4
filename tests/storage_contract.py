"""The behaviour every artefact store must show, run against each store."""

from __future__ import annotations

import hashlib

import pytest

from lti_tool.storage import StorageError, content_key


def _put(store, data: bytes, pieces: int = 3) -> str:
    key = content_key(hashlib.sha256(data).hexdigest())
    pending = store.begin()
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        pending.write(data[start : start + step])
    pending.commit(key)
    return key


def _read(store, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(store.read(key, start, end))


def check_round_trip(store) -> None:
    data = bytes(range(256)) * 1000
    key = _put(store, data)
    assert store.size(key) == len(data)
    assert _read(store, key) == data


def check_ranges(store) -> None:
    data = b"0123456789" * 10
    key = _put(store, data)
    assert _read(store, key, 10, 20) == b"0123456789"
    assert _read(store, key, 95) == b"56789"
    assert _read(store, key, 5, 5) == b""


def check_abort_leaves_nothing(store, listing) -> None:
    before = listing()
    pending = store.begin()
    pending.write(b"half a recording")
    pending.abort()
    pending.abort()
    assert listing() == before


def check_same_content_is_kept_once(store) -> None:
    data = b"the same take twice"
    first = _put(store, data)
    second = _put(store, data)
    assert first == second
    assert _read(store, first) == data


def check_missing_and_delete(store) -> None:
    key = _put(store, b"to be expired")
    store.delete(key)
    assert store.size(key) is None
    store.delete(key)
    assert store.size(content_key("0" * 64)) is None


def check_keys_are_refused(store) -> None:
    for bad in ["", "../escape", "a//b", "a/./b", "/abs"]:
        with pytest.raises(StorageError):
            store.size(bad)
    with pytest.raises(ValueError):
        content_key("../../etc/passwd")
