"""Tool keys: files, the published JWKS, rotation with a grace period."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from lti_tool.cli import main
from lti_tool.keys import KEYRING_FILE, KeyRing, KeyRingError

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(days=7)


@pytest.fixture
def keyring(tmp_path):
    return KeyRing(tmp_path / "keys", grace=GRACE)


def _kids(keyring: KeyRing) -> list[str]:
    return [k.kid for k in keyring.keys()]  # noqa: SIM118 - a method, not a dict


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_keys_is_a_clear_error(keyring):
    with pytest.raises(KeyRingError, match="lti-tool init"):
        keyring.current()


def test_ensure_creates_one_key_with_private_modes(keyring):
    created = keyring.ensure()
    assert created is not None
    assert keyring.ensure() is None
    assert _kids(keyring) == [created.kid]
    assert _mode(keyring.folder) == 0o700
    files = sorted(keyring.folder.iterdir())
    assert {f.name for f in files} == {KEYRING_FILE, f"{created.kid}.pem"}
    for path in files:
        assert _mode(path) == 0o600, path.name


def test_jwks_keys_carry_kty_alg_use_kid(keyring):
    key = keyring.ensure()
    (jwk,) = keyring.jwks()["keys"]
    assert jwk["kty"] == "RSA"
    assert jwk["alg"] == "RS256"
    assert jwk["use"] == "sig"
    assert jwk["kid"] == key.kid
    assert {"n", "e"} <= jwk.keys()
    # Public parts only.
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()


def test_signed_tokens_verify_with_the_published_key(keyring):
    keyring.ensure()
    token = keyring.sign({"sub": "x"})
    header = jwt.get_unverified_header(token)
    jwks = jwt.PyJWKSet.from_dict(keyring.jwks())
    public = next(k for k in jwks.keys if k.key_id == header["kid"])
    assert jwt.decode(token, public.key, algorithms=["RS256"]) == {"sub": "x"}


def test_rotation_keeps_the_old_key_published_during_grace(keyring):
    old = keyring.rotate(now=T0)
    new = keyring.rotate(now=T0 + timedelta(days=1))
    assert keyring.current().kid == new.kid
    assert jwt.get_unverified_header(keyring.sign({}))["kid"] == new.kid

    during = T0 + timedelta(days=1) + GRACE - timedelta(minutes=1)
    assert [k.kid for k in keyring.published(during)] == [new.kid, old.kid]
    after = T0 + timedelta(days=1) + GRACE
    assert [k.kid for k in keyring.published(after)] == [new.kid]
    assert {k["kid"] for k in keyring.jwks(after)["keys"]} == {new.kid}


def test_keys_past_grace_leave_the_ring_and_the_disk(keyring):
    first = keyring.rotate(now=T0)
    second = keyring.rotate(now=T0 + timedelta(days=1))
    # The first was retired a grace period ago; the second only now.
    third = keyring.rotate(now=T0 + timedelta(days=1) + GRACE)
    assert _kids(keyring) == [third.kid, second.kid]
    assert not (keyring.folder / f"{first.kid}.pem").exists()
    assert (keyring.folder / f"{second.kid}.pem").exists()


def test_a_rotation_by_another_process_is_noticed(keyring, tmp_path):
    keyring.ensure()
    before = keyring.current().kid
    other = KeyRing(keyring.folder, grace=GRACE)
    rotated = other.rotate()
    assert rotated.kid != before
    assert keyring.current().kid == rotated.kid


def test_jwks_is_served_at_both_urls(app, client):
    keyring = app.extensions["pathmark"].keyring
    for url in ("/lti/jwks", "/.well-known/jwks.json"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.json == keyring.jwks()
        assert response.json["keys"][0]["kid"] == keyring.current().kid


def test_keys_rotate_and_list_commands(app):
    runner = app.test_cli_runner()
    keyring = app.extensions["pathmark"].keyring
    first = keyring.current().kid

    rotated = runner.invoke(main, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    second = keyring.current().kid
    assert second != first
    assert second in rotated.output
    assert "7 days" in rotated.output

    listed = runner.invoke(main, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    lines = dict(line.split("\t", 1) for line in listed.output.splitlines())
    assert lines[second].endswith("current")
    assert "retired, published until" in lines[first]
    served = {k["kid"] for k in app.test_client().get("/lti/jwks").json["keys"]}
    assert served == {first, second}
