"""Checking receipts: each finding said on its own, and what each check costs.

The CLI and the public page report the signature (and which key), the
issuer (both addresses) and every artefact separately. The page compares
recorded digests and sizes; only the CLI re-reads stored bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.keys import KeyRing
from lti_tool.models import Artefact
from lti_tool.receipts import RECEIPT_TYPE
from tests import recording_samples as rec
from tests.evidence_helpers import launch, place_credential, stored_files


@pytest.fixture
def receipt(app, platform, tmp_path):
    """A submitted take's receipt, saved as a file; returns (path, jws)."""
    place_credential(app)
    learner = launch(app, platform)
    submission = learner.start()
    sent = learner.post_file(submission, rec.webm(100.0), duration="100")
    assert sent.status_code == 200
    jws = learner.submit(submission).get_json()["receipt"]
    path = tmp_path / "receipt.jws"
    path.write_text(jws)
    return path, jws


def _cli(app, path):
    return app.test_cli_runner().invoke(main, ["receipts", "verify", str(path)])


def _page(app, jws: str) -> str:
    response = app.test_client().post("/receipts/verify", data={"text": jws})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _page_json(app, jws: str) -> dict:
    return (
        app.test_client()
        .post(
            "/receipts/verify",
            data={"text": jws},
            headers={"Accept": "application/json"},
        )
        .get_json()
    )


def _current_kid(app) -> str:
    return app.extensions["pathmark"].keyring.current().kid


def test_everything_holds(app, receipt):
    path, jws = receipt
    kid = _current_kid(app)
    result = _cli(app, path)
    assert result.exit_code == 0, result.output
    assert f"Signature: valid, key {kid} (the current key)" in result.output
    assert "Issuer: this Pathmark (http://localhost)" in result.output
    assert "stored bytes re-read now: same SHA-256 as the receipt" in result.output
    assert "All stored evidence matches the receipt." in result.output

    html = _page(app, jws)
    assert "Valid receipt: the recorded evidence matches" in html
    assert f"valid, key {kid} (the current key)" in html
    assert "Issuer: this Pathmark (http://localhost)" in html


def test_another_base_url_is_named_and_not_called_a_bad_signature(app, receipt):
    path, jws = receipt
    app.config["BASE_URL"] = "https://pathmark.example"
    result = _cli(app, path)
    assert result.exit_code == 1, result.output
    assert "Signature: valid" in result.output
    assert "does not hold" not in result.output
    assert (
        "Issuer: DIFFERS: the receipt names http://localhost, "
        "this Pathmark is https://pathmark.example"
    ) in result.output
    # The evidence is still checked: the receipt is Pathmark's own words.
    assert "same SHA-256 as the receipt" in result.output
    assert "PATHMARK_BASE_URL" in result.output

    html = _page(app, jws)
    assert "Not a valid receipt for this Pathmark" in html
    assert "the receipt names http://localhost" in html
    assert "this Pathmark is https://pathmark.example" in html
    data = _page_json(app, jws)
    assert data["valid"] is False and data["signature"]["valid"] is True
    assert data["issuer"] == {
        "matches": False,
        "receipt": "http://localhost",
        "this": "https://pathmark.example",
    }


def test_a_retired_key_still_published_verifies_and_is_named(app, receipt):
    path, jws = receipt
    old = _current_kid(app)
    app.extensions["pathmark"].keyring.rotate()
    result = _cli(app, path)
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).date().isoformat()
    assert (
        f"Signature: valid, key {old} (retired {today}, still published)"
        in result.output
    )
    data = _page_json(app, jws)
    assert data["signature"]["key"] == "retired" and data["signature"]["kid"] == old


def test_a_key_past_its_grace_period_is_named_as_unpublished(app, receipt):
    path, jws = receipt
    old = _current_kid(app)
    ring = app.extensions["pathmark"].keyring
    ring.rotate()
    ring.rotate(now=datetime.now(UTC) + timedelta(days=400))
    result = _cli(app, path)
    assert result.exit_code == 1, result.output
    assert (
        f"Signature: does not hold: it was signed with key {old}, which this "
        "Pathmark does not publish"
    ) in result.output
    assert "nothing else was checked" in result.output
    assert "artefact" not in result.output
    folder = app.extensions["pathmark"].keyring.folder
    assert f"Keys read from {folder} (PATHMARK_KEYS_DIR)." in result.output


def test_a_receipt_from_another_key_store(app, receipt, tmp_path):
    _, jws = receipt
    stranger = KeyRing(tmp_path / "elsewhere")
    stranger.ensure()
    forged = stranger.sign(
        jwt.decode(jws, options={"verify_signature": False}),
        headers={"typ": RECEIPT_TYPE},
    )
    data = _page_json(app, forged)
    assert data["valid"] is False
    assert data["signature"]["key"] == "unknown"
    assert stranger.current().kid in data["problem"]
    assert "claims" not in data and "artefacts" not in data


def test_altered_content_says_the_signature_does_not_hold(app, receipt, tmp_path):
    _, jws = receipt
    head, body, sig = jws.split(".")
    forged = tmp_path / "forged.jws"
    forged.write_text(f"{head}.{body[:-4]}AAAA.{sig}")
    result = _cli(app, forged)
    assert result.exit_code == 1
    kid = _current_kid(app)
    assert (
        f"Signature: does not hold: the content was changed after key {kid} signed it"
    ) in result.output
    assert "Issuer" not in result.output

    html = _page(app, forged.read_text())
    assert "Not a valid receipt for this Pathmark" in html
    assert "the content was changed after key" in html


def test_not_a_receipt_at_all(app, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("not.a.receipt")
    result = _cli(app, path)
    assert result.exit_code == 1
    assert "INVALID: the text is not a signed receipt" in result.output
    html = _page(app, "not.a.receipt")
    assert "Not a valid receipt" in html
    assert "The text is not a signed receipt." in html


def _stored(app):
    [path] = [p for p in stored_files(app) if "sha256" in p.parts]
    return path


def test_bytes_changed_at_the_same_length(app, receipt):
    path, jws = receipt
    stored = _stored(app)
    data = bytearray(stored.read_bytes())
    data[-1] ^= 0xFF
    stored.write_bytes(bytes(data))

    result = _cli(app, path)
    assert result.exit_code == 2, result.output
    assert "stored bytes DIFFER from the receipt" in result.output
    assert "Some stored evidence no longer matches" in result.output

    # The documented limit of the public page: same size, not re-read.
    page = _page_json(app, jws)
    assert page["valid"] and page["all_match"] and page["bytes_reread"] is False
    assert [a["status"] for a in page["artefacts"]] == ["recorded"]


def test_bytes_changed_in_length_show_on_the_page_too(app, receipt):
    path, jws = receipt
    stored = _stored(app)
    stored.write_bytes(stored.read_bytes() + b"!")
    assert _cli(app, path).exit_code == 2
    html = _page(app, jws)
    assert "Valid receipt, but the evidence differs" in html
    assert "stored bytes DIFFER from the receipt" in html


def test_stored_bytes_gone(app, receipt):
    path, jws = receipt
    _stored(app).unlink()
    result = _cli(app, path)
    assert result.exit_code == 2
    assert "missing: Pathmark holds no such artefact or no stored bytes" in (
        result.output
    )
    assert [a["status"] for a in _page_json(app, jws)["artefacts"]] == ["missing"]


def test_a_recorded_digest_changed_in_the_database(app, receipt):
    path, jws = receipt
    with app.app_context():
        row = db.session.scalars(db.select(Artefact)).one()
        row.sha256 = "0" * 64
        db.session.commit()
    result = _cli(app, path)
    assert result.exit_code == 2
    assert "the fingerprint or size Pathmark recorded on arrival is not" in (
        result.output
    )
    assert [a["status"] for a in _page_json(app, jws)["artefacts"]] == [
        "record_differs"
    ]


def test_the_public_page_never_reads_stored_bytes(app, receipt, monkeypatch):
    path, jws = receipt
    store = app.extensions["pathmark.store"]
    reads = []
    original = store.read

    def counting(key, *args, **kwargs):
        reads.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(store, "read", counting)
    for _ in range(3):
        assert _page_json(app, jws)["all_match"] is True
    assert reads == []

    assert _cli(app, path).exit_code == 0
    assert len(reads) == 1


def test_without_signing_keys_it_says_so(app, receipt):
    path, jws = receipt
    (app.extensions["pathmark"].keyring.folder / "keyring.json").unlink()
    result = _cli(app, path)
    assert result.exit_code == 1
    assert "INVALID: this Pathmark has no signing keys" in result.output
    assert _page_json(app, jws)["valid"] is False


def _signed_by_us(app, jws: str, **changes) -> str:
    claims = {**jwt.decode(jws, options={"verify_signature": False}), **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    with app.app_context():
        ring = app.extensions["pathmark"].keyring
        return ring.sign(claims, headers={"typ": RECEIPT_TYPE})


def test_our_key_over_a_receipt_without_its_time(app, receipt):
    _, jws = receipt
    data = _page_json(app, _signed_by_us(app, jws, iat=None))
    assert data["valid"] is False
    kid = _current_kid(app)
    assert data["signature"]["says"].startswith(
        f"does not hold: key {kid} matches, but the receipt is not well formed"
    )


def test_our_key_over_something_else_than_a_submission(app, receipt):
    _, jws = receipt
    data = _page_json(app, _signed_by_us(app, jws, receipt_for="award"))
    assert data == {"valid": False, "problem": "the text is not a submission receipt"}


def test_media_removed_by_retention(app, receipt):
    from lti_tool.db import utcnow

    path, jws = receipt
    with app.app_context():
        row = db.session.scalars(db.select(Artefact)).one()
        row.media_expired_at = utcnow()
        db.session.commit()
    result = _cli(app, path)
    assert result.exit_code == 2
    assert (
        "media removed by the retention rule; the recorded fingerprint still "
        "equals the receipt's"
    ) in result.output


def test_a_body_larger_than_any_receipt_is_told_so(app):
    huge = "eyJhbGciOiJSUzI1NiJ9." + "A" * (300 * 1024) + ".sig"
    client = app.test_client()
    page = client.post("/receipts/verify", data={"text": huge})
    assert page.status_code == 413
    # Said as written: Pathmark, kB (and a key id) keep their capitals.
    assert "larger than any Pathmark receipt (256 kB)" in page.get_data(as_text=True)
    answer = client.post(
        "/receipts/verify",
        data={"text": huge},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.get_json()["valid"] is False


def test_a_form_over_the_page_cap_is_still_told_as_a_receipt(app):
    # Over the 2 MB page cap the general refusal answered first: an HTML page
    # telling a script to use the upload form, instead of its JSON.
    huge = "A" * (3 * 1024 * 1024)
    client = app.test_client()
    answer = client.post(
        "/receipts/verify",
        data={"text": huge},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.get_json()["valid"] is False
    page = client.post("/receipts/verify", data={"text": huge})
    assert page.status_code == 413
    assert "larger than any Pathmark receipt (256 kB)" in page.get_data(as_text=True)
