"""Recipient hashes and the bitstring status list."""

from __future__ import annotations

import base64
import gzip
import hashlib

import pytest

from lti_tool.badges.recipient import (
    email_hash,
    identity_object,
    matches_email,
)
from lti_tool.badges.status_list import MIN_BITS, Bitstring, entry


def test_email_is_trimmed_and_lower_cased_before_hashing():
    expected = "sha256$" + hashlib.sha256(b"ana@example.org" + b"s4lt").hexdigest()
    assert email_hash("  Ana@Example.ORG ", "s4lt") == expected
    assert email_hash("ana@example.org", "s4lt") == expected


def test_salt_follows_the_email():
    # Known value: sha256("ana@example.orgabc"), not sha256("abcana@example.org").
    assert email_hash("ana@example.org", "abc") == (
        "sha256$" + hashlib.sha256(b"ana@example.orgabc").hexdigest()
    )
    assert email_hash("ana@example.org", "abc") != (
        "sha256$" + hashlib.sha256(b"abcana@example.org").hexdigest()
    )


def test_identity_object_and_matching():
    obj = identity_object("Ana@Example.org", "0f0f")
    assert obj["hashed"] is True and obj["identityType"] == "emailAddress"
    assert obj["salt"] == "0f0f"
    assert matches_email("ana@example.org", "0f0f", obj["identityHash"])
    assert not matches_email("bob@example.org", "0f0f", obj["identityHash"])
    assert not matches_email("ana@example.org", "0f0e", obj["identityHash"])


def test_bit_order_is_most_significant_first():
    bits = Bitstring(16)
    bits.set(0, True)
    bits.set(9, True)
    assert bytes(bits.bytes) == bytes([0x80, 0x40])
    assert bits.get(0) and bits.get(9) and not bits.get(1)
    bits.set(0, False)
    assert not bits.get(0)


def test_encoding_is_gzip_base64url_multibase_and_round_trips():
    bits = Bitstring()
    assert bits.size == MIN_BITS
    bits.set(42, True)
    encoded = bits.encode()
    assert encoded.startswith("u") and "=" not in encoded
    text = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert len(raw) == MIN_BITS // 8 and raw[5] == 0x20
    again = Bitstring.decode(encoded)
    assert again.get(42) and not again.get(43)


def test_out_of_range_and_bad_encoding_are_refused():
    with pytest.raises(IndexError):
        Bitstring(16).get(16)
    with pytest.raises(ValueError):
        Bitstring.decode("zabc")


def test_entry_points_at_its_bit():
    e = entry("https://p.example/status/1", 7)
    assert e["statusListIndex"] == "7" and e["id"] == "https://p.example/status/1#7"
