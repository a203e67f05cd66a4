"""Sniffing by content and streaming intake: every refusal leaves nothing."""

from __future__ import annotations

import hashlib

import pytest

from lti_tool import intake, sniff
from lti_tool.storage.local import LocalStore
from tests import media_samples as media

RECORDINGS = ("audio/webm", "audio/ogg", "audio/mp4", "audio/wav")
DOCUMENTS = ("application/pdf", "image/png", "text/plain")


@pytest.fixture
def store(tmp_path):
    return LocalStore(tmp_path / "store")


def _files(store):
    return [p for p in store.root.rglob("*") if p.is_file()]


def _pieces(data: bytes, size: int = 4096):
    return [data[i : i + size] for i in range(0, len(data), size)]


def _receive(store, data, allowed=RECORDINGS, **kw):
    kw.setdefault("limit", 10_000_000)
    return intake.receive(_pieces(data), store, allowed=allowed, **kw)


@pytest.mark.parametrize(
    ("data", "allowed", "declared", "expected"),
    [
        (media.webm(), RECORDINGS, "audio/webm;codecs=opus", "audio/webm"),
        (media.webm(), ("video/webm", "audio/webm"), "", "video/webm"),
        (media.wav(), RECORDINGS, "audio/x-wav", "audio/wav"),
        (media.mp4(), ("video/mp4",), "video/mp4", "video/mp4"),
        (media.png(), DOCUMENTS, "image/png", "image/png"),
        (media.pdf(), DOCUMENTS, "", "application/pdf"),
        ("Dear Sir, I write…".encode(), DOCUMENTS, "", "text/plain"),
    ],
)
def test_accepted_files_are_stored_by_digest(store, data, allowed, declared, expected):
    got = _receive(store, data, allowed=allowed, declared_type=declared)
    assert got.media_type == expected
    assert got.size == len(data)
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(store.read(got.storage_key)) == data
    assert [p.name for p in _files(store)] == [got.sha256]


def test_declared_type_cannot_override_content(store):
    # A PDF sent as "audio/webm" is still a PDF, and recordings refuse it.
    with pytest.raises(intake.IntakeRefused) as err:
        _receive(store, media.pdf(), declared_type="audio/webm")
    assert (err.value.status, err.value.code) == (415, "wrong_type")
    assert _files(store) == []


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"", "empty", 400),
        (b"MZ\x90\x00" + bytes(5000), "executable", 415),
        (b"\x7fELF\x02\x01\x01" + bytes(5000), "executable", 415),
        (b"#!/bin/sh\nrm -rf ~\n", "executable", 415),
        (b"<html><script>alert(1)</script></html>", "markup", 415),
        (bytes([0, 1, 2, 3, 250, 251]) * 100, "unknown_type", 415),
        (media.png() + media.zip_tail(), "polyglot", 415),
        (media.webm()[:500] + b"%PDF-1.4" + bytes(100), "polyglot", 415),
        (media.webm()[:2000] + b"<script>x</script>" + bytes(100), "polyglot", 415),
        (media.wav()[:-2000], "truncated", 400),
        (media.png()[:-6], "truncated", 400),
        (media.pdf()[:-8], "truncated", 400),
    ],
)
def test_bad_files_are_refused_and_nothing_stays(store, data, code, status):
    with pytest.raises(intake.IntakeRefused) as err:
        _receive(store, data, allowed=RECORDINGS + DOCUMENTS)
    assert (err.value.code, err.value.status) == (code, status)
    assert _files(store) == []


def test_renamed_executable_is_refused_whatever_the_name_or_type(store):
    exe = b"MZ" + bytes(20_000)
    with pytest.raises(intake.IntakeRefused) as err:
        _receive(store, exe, declared_type="audio/webm")
    assert err.value.code == "executable"
    assert _files(store) == []


def test_oversized_upload_stops_at_the_limit(store):
    sent = []

    def endless():
        while True:
            sent.append(1)
            yield media.webm(10_000)

    with pytest.raises(intake.IntakeRefused) as err:
        intake.receive(endless(), store, limit=50_000, allowed=RECORDINGS)
    assert err.value.status == 413 and err.value.code == "too_large"
    assert len(sent) == 6  # read one piece past the limit, then stopped
    assert _files(store) == []


def test_announced_size_over_the_limit_is_refused_before_reading(store):
    def never():
        raise AssertionError("the body must not be read")
        yield b""

    with pytest.raises(intake.IntakeRefused) as err:
        intake.receive(never(), store, limit=100, allowed=RECORDINGS, expected_size=101)
    assert err.value.status == 413


def test_short_transfer_is_refused(store):
    data = media.webm()
    with pytest.raises(intake.IntakeRefused) as err:
        _receive(store, data[:-100], expected_size=len(data))
    assert err.value.code == "truncated"
    assert _files(store) == []


def test_digest_mismatch_is_refused(store):
    with pytest.raises(intake.IntakeRefused) as err:
        _receive(store, media.webm(), expected_sha256="0" * 64)
    assert err.value.code == "digest_mismatch"
    assert _files(store) == []


def test_wrong_type_is_refused_early(store):
    pulled = []

    def body():
        for piece in _pieces(media.pdf() + bytes(100_000), 8192):
            pulled.append(piece)
            yield piece

    with pytest.raises(intake.IntakeRefused):
        intake.receive(body(), store, limit=10**9, allowed=RECORDINGS)
    assert len(pulled) == 1


def test_store_failure_mid_write_leaves_nothing(store, monkeypatch):
    class Broken(Exception):
        pass

    real_begin = store.begin

    def begin():
        pending = real_begin()
        calls = []

        def write(data):
            calls.append(data)
            if len(calls) == 2:
                raise Broken
            type(pending).write(pending, data)

        pending.write = write
        return pending

    monkeypatch.setattr(store, "begin", begin)
    with pytest.raises(Broken):
        _receive(store, media.webm(50_000))
    assert _files(store) == []


def test_text_with_a_cut_multibyte_character_is_still_text():
    head = ("ł" * (sniff.HEAD_BYTES // 2)).encode()[: sniff.HEAD_BYTES - 1]
    assert sniff.sniff_head(head).family == "text"
