"""Revocation from a process configured with another base URL, and repair.

A status list is re-signed under the URL and issuer it was issued with,
whatever base URL the revoking process has; revoking again re-signs it,
which repairs a list an earlier version signed under the wrong identity.
"""

from __future__ import annotations

from lti_tool import create_app
from lti_tool.badges import issuance, status_list
from lti_tool.badges.proof import sign
from lti_tool.cli import main
from lti_tool.db import db, utcnow
from lti_tool.models import BadgeAward, BadgeStatusList
from tests import badge_helpers as h

LD = {"Accept": "application/ld+json"}


def _mint(app) -> str:
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        return db.session.scalars(db.select(BadgeAward)).one().id


def _elsewhere(settings, base_url="http://wrong-host.example:9999"):
    """The same database and keys, configured with another base URL."""
    return create_app({**settings, "base_url": base_url})


def _verdict(app, award_id):
    with app.app_context():
        return issuance.verdict(db.session.get(BadgeAward, award_id).document)


def test_cli_revoke_under_another_base_url_keeps_the_list_identity(
    app, client, settings
):
    award_id = _mint(app)
    other = _elsewhere(settings)
    done = other.test_cli_runner().invoke(
        main, ["awards", "revoke", award_id, "--reason", "Issued in error"]
    )
    assert done.exit_code == 0, done.output
    assert f"Revoked {award_id}." in done.output
    assert "http://localhost/status/" in done.output
    assert "configured for http://wrong-host.example:9999" in done.output

    verdict = _verdict(app, award_id)
    assert verdict.signature and verdict.status == "revoked", verdict.problems
    doc = client.get(f"/credentials/{award_id}", headers=LD).get_json()
    url = doc["credentialStatus"]["statusListCredential"]
    listing = client.get(url.removeprefix("http://localhost")).get_json()
    assert listing["id"] == url
    assert listing["issuer"] == "did:web:localhost"
    assert listing["proof"][0]["verificationMethod"].startswith("did:web:localhost#")
    with other.app_context():
        row = db.session.get(BadgeStatusList, 1)
        assert row.url == url and row.issuer_did == "did:web:localhost"


def test_repeated_revoke_repairs_a_list_signed_under_the_wrong_identity(
    app, client, settings
):
    award_id = _mint(app)
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["awards", "revoke", award_id, "--reason", "Copied"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        # What an earlier version did: sign the list under the CLI's base URL.
        award = db.session.get(BadgeAward, award_id)
        row = db.session.get(BadgeStatusList, award.status_list_id)
        bits = status_list.Bitstring(row.size, row.bits)
        wrong = status_list.list_credential(
            "http://wrong-host.example/status/1",
            "did:web:wrong-host.example",
            bits,
            utcnow(),
        )
        b = issuance.badges()
        row.credential = sign(
            wrong, b.signing_key_as("did:web:wrong-host.example"), utcnow(), b.loader
        )
        db.session.commit()
    broken = _verdict(app, award_id)
    assert broken.status == "unknown" and not broken.valid

    again = (
        _elsewhere(settings)
        .test_cli_runner()
        .invoke(main, ["awards", "revoke", award_id, "--reason", "Copied again"])
    )
    assert again.exit_code == 0, again.output
    assert "was already revoked" in again.output and "(Copied)" in again.output
    assert "Revoked" not in again.output
    repaired = _verdict(app, award_id)
    assert repaired.signature and repaired.status == "revoked", repaired.problems
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        assert award.revocation_reason == "Copied"  # the first reason stands


def test_a_list_whose_did_key_is_gone_is_refused_with_a_clear_message(app, settings):
    award_id = _mint(app)
    with app.app_context():
        row = db.session.get(BadgeStatusList, 1)
        row.issuer_did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
        db.session.commit()
    done = app.test_cli_runner().invoke(
        main, ["awards", "revoke", award_id, "--reason", "x"]
    )
    assert done.exit_code != 0
    assert "no issuer key" in done.output and "nothing was changed" in done.output
    with app.app_context():
        assert not db.session.get(BadgeAward, award_id).revoked
