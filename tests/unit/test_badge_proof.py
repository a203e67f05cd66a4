"""eddsa-rdfc-2022 against the 1EdTech test vector, and the signing guard."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lti_tool.badges.canonical import UnsafeDocument, canonicalize
from lti_tool.badges.documents import DocumentLoader, UnknownDocument
from lti_tool.badges.multikey import (
    private_key_from_seed,
    public_key_from_multikey,
    public_multikey,
)
from lti_tool.badges.proof import (
    ProofError,
    SigningKey,
    hash_data,
    proof_options,
    sign,
    verify,
)

DATA = Path(__file__).parent.parent / "data" / "openbadges"
SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
PUBLIC = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
METHOD = (
    "https://example.edu/issuers/565049#"
    "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
)
PROOF_VALUE = (
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35Hc"
    "bgXVEDYHxCzgkCr"
)
CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)


@pytest.fixture
def loader():
    return DocumentLoader("https://pathmark.example")


@pytest.fixture
def vector():
    return json.loads((DATA / "credential.json").read_text())


@pytest.fixture
def key():
    return SigningKey(private_key_from_seed(bytes.fromhex(SEED)), METHOD)


def test_key_of_the_vector_is_the_multikey_it_names(key):
    public = key.private_key.public_key()
    assert public_multikey(public) == METHOD.split("#")[1]
    assert public_key_from_multikey(METHOD.split("#")[1]).public_bytes_raw() == (
        bytes.fromhex(PUBLIC)
    )


def test_document_canonical_form_matches_byte_for_byte(vector, loader):
    expected = (DATA / "document-canon.nq").read_text()
    got = canonicalize(vector, loader)
    assert got == expected
    assert hashlib.sha256(got.encode()).hexdigest() == (
        "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
    )


def test_proof_configuration_matches_byte_for_byte(vector, loader):
    config = {"@context": vector["@context"], **proof_options(METHOD, CREATED)}
    got = canonicalize(config, loader)
    assert got == (DATA / "proof-canon.nq").read_text()
    assert hashlib.sha256(got.encode()).hexdigest() == (
        "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
    )


def test_signature_reproduces_the_vector(vector, key, loader):
    signed = sign(vector, key, CREATED, loader)
    proof = signed["proof"][0]
    assert proof["proofValue"] == PROOF_VALUE
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert "proof" not in vector
    assert verify(signed, key.private_key.public_key(), loader)


def test_hash_data_is_proof_hash_then_document_hash(vector, loader):
    data = hash_data(vector, proof_options(METHOD, CREATED), loader)
    assert data.hex() == (
        "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
        "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
    )


def test_tampered_document_fails(vector, key, loader):
    signed = sign(vector, key, CREATED, loader)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Teamwork!"
    assert not verify(tampered, key.private_key.public_key(), loader)


def test_tampered_proof_options_fail(vector, key, loader):
    signed = sign(vector, key, CREATED, loader)
    signed["proof"][0]["created"] = "2011-01-01T19:23:24Z"
    assert not verify(signed, key.private_key.public_key(), loader)


def test_wrong_key_fails(vector, key, loader):
    signed = sign(vector, key, CREATED, loader)
    other = private_key_from_seed(bytes(32)).public_key()
    assert not verify(signed, other, loader)


def test_missing_or_foreign_proof_is_an_error(vector, key, loader):
    with pytest.raises(ProofError):
        verify(vector, key.private_key.public_key(), loader)
    signed = sign(vector, key, CREATED, loader)
    signed["proof"][0]["cryptosuite"] = "ecdsa-rdfc-2019"
    with pytest.raises(ProofError):
        verify(signed, key.private_key.public_key(), loader)


def test_guard_refuses_a_term_no_context_defines(vector, key, loader):
    vector["credentialSubject"]["achievement"]["colour"] = "green"
    with pytest.raises(UnsafeDocument, match="undefined"):
        sign(vector, key, CREATED, loader)


def test_guard_refuses_a_relative_type(vector, key, loader):
    vector["credentialSubject"]["type"].append("Learner")
    with pytest.raises(UnsafeDocument, match="not absolute"):
        sign(vector, key, CREATED, loader)


def test_guard_refuses_a_null(vector, key, loader):
    vector["name"] = None
    with pytest.raises(UnsafeDocument):
        sign(vector, key, CREATED, loader)


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda d: d.setdefault("evidence", []).append({}), r"\$\.evidence\[0\]"),
        (
            lambda d: d["credentialSubject"].update(awardedDate={}),
            r"\$\.credentialSubject\.awardedDate",
        ),
        (
            lambda d: d.update(evidence=[{"type": ["Evidence"]}, {}]),
            r"\$\.evidence\[1\]",
        ),
    ],
)
def test_guard_refuses_an_empty_object(vector, key, loader, change, where):
    change(vector)
    with pytest.raises(UnsafeDocument, match="empty objects state nothing.*" + where):
        sign(vector, key, CREATED, loader)


def test_guard_accepts_an_evidence_entry_that_states_its_type(vector, key, loader):
    vector["evidence"] = [{"type": ["Evidence"], "name": "Artefact 1"}]
    signed = sign(vector, key, CREATED, loader)
    assert verify(signed, key.private_key.public_key(), loader)


def test_loader_never_fetches(loader):
    with pytest.raises(UnknownDocument):
        loader("https://www.w3.org/2018/credentials/v1")
    vector = {"@context": ["https://example.org/ctx.json"], "name": "x"}
    with pytest.raises(UnsafeDocument, match="not shipped"):
        sign(
            vector,
            SigningKey(private_key_from_seed(bytes(32)), METHOD),
            CREATED,
            loader,
        )
