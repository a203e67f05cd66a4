"""Issuing, checking and revoking badges in-process."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

from lti_tool import catalogue
from lti_tool.badges import issuance
from lti_tool.badges.recipient import matches_email
from lti_tool.db import db, utcnow
from lti_tool.models import BadgeAward
from tests import badge_helpers as h

SCHEMA = json.loads(
    (
        Path(__file__).parent.parent
        / "data"
        / "openbadges"
        / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def awards():
    return db.session.scalars(db.select(BadgeAward)).all()


def test_mastery_release_mints_one_signed_valid_badge(app):
    with app.app_context():
        learner = h.person()
        version = h.credential()
        h.release(learner.id, version.id)
        h.release(learner.id, version.id, assessment_id=2)
        [award] = awards()
        doc = award.document
        jsonschema.validate(doc, SCHEMA)
        assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert doc["issuer"]["id"] == "did:web:localhost"
        assert doc["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
        identity = doc["credentialSubject"]["identifier"][0]
        assert matches_email(
            "ana.lopez@example.org", award.salt, identity["identityHash"]
        )
        assert "Ana.Lopez" not in json.dumps(doc) and "ana.lopez" not in json.dumps(doc)
        achievement = doc["credentialSubject"]["achievement"]
        assert achievement["alignment"][0]["targetFramework"] == "CEFR"
        assert "Type of assessment" in achievement["criteria"]["narrative"]
        results = doc["credentialSubject"]["result"]
        assert {r["achievedLevel"].rsplit("-", 1)[1] for r in results} == {"3", "4"}
        assert doc["evidence"][0]["digestSRI"].startswith("sha256-")
        assert doc["evidence"][0]["captureMode"] == "recorded"
        verdict = issuance.verdict(doc)
        assert verdict.valid, verdict.problems


def test_badges_listen_to_assessment_released(app):
    from lti_tool.signals import assessment_released

    assert issuance.on_release in list(assessment_released.receivers_for("pathmark"))


def test_no_mastery_no_badge_and_moderation_required(app):
    with app.app_context():
        learner = h.person()
        version = h.credential()
        h.release(learner.id, version.id, mastery=False)
        assert awards() == []
        with pytest.raises(issuance.AwardRefused):
            h.release(learner.id, version.id, moderator_id=None)
        assert awards() == []


def test_tampered_credential_fails(app):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        doc = copy.deepcopy(awards()[0].document)
        doc["credentialSubject"]["result"][0]["achievedLevel"] = (
            doc["credentialSubject"]["result"][0]["achievedLevel"][:-1] + "4"
        )
        verdict = issuance.verdict(doc)
        assert not verdict.signature and not verdict.valid


def test_credential_signed_by_another_key_fails(app):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        doc = awards()[0].document
        b = issuance.badges()
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (
            Ed25519PrivateKey,
        )

        from lti_tool.badges.multikey import did_key_method
        from lti_tool.badges.proof import SigningKey, sign

        stranger = Ed25519PrivateKey.generate()
        forged_key = SigningKey(stranger, did_key_method(stranger.public_key()))
        unsigned = {k: v for k, v in doc.items() if k != "proof"}
        forged = sign(unsigned, forged_key, utcnow(), b.loader)
        verdict = issuance.verdict(forged)
        assert not verdict.signature
        assert "another issuer" in verdict.problems[0]
        # The same key claiming to be this did:web issuer is not resolvable.
        forged["proof"][0]["verificationMethod"] = (
            "did:web:localhost#" + forged_key.verification_method.split("#")[1]
        )
        assert not issuance.verdict(forged).signature


def test_revocation_flips_status_and_resigns_the_list(app):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        award = awards()[0]
        before = issuance.status_document(award.status_list_id)
        issuance.revoke(award.id, "Evidence was not the learner's own")
        db.session.commit()
        after = issuance.status_document(award.status_list_id)
        assert after["proof"][0]["proofValue"] != before["proof"][0]["proofValue"]
        verdict = issuance.verdict(award.document)
        assert verdict.signature and verdict.status == "revoked" and not verdict.valid
        with pytest.raises(ValueError):
            issuance.revoke(award.id, " ")


def test_expired_award_says_expired(app):
    with app.app_context():
        learner = h.person()
        version = h.credential(expiry_days=30)
        h.release(learner.id, version.id)
        doc = awards()[0].document
        assert "validUntil" in doc
        later = utcnow() + timedelta(days=31)
        verdict = issuance.verdict(doc, now=later)
        assert verdict.dates == "expired" and not verdict.valid


def test_pathway_badge_when_all_credentials_are_held(app):
    with app.app_context():
        learner = h.person()
        first = h.credential("intro-yourself", title="Introduce yourself")
        second = h.credential("buy-or-return", title="Buy, book or return")
        catalogue.save_pathway(
            {
                "key": "everyday-speaker",
                "title": "Everyday Speaker (A2)",
                "description": "Two spoken A2 credentials.",
                "credentials": ["intro-yourself", "buy-or-return"],
            }
        )
        db.session.flush()
        h.release(learner.id, first.id)
        assert [a.kind for a in awards()] == ["credential"]
        h.release(learner.id, second.id, assessment_id=2)
        kinds = sorted(a.kind for a in awards())
        assert kinds == ["credential", "credential", "pathway"]
        pathway = next(a for a in awards() if a.kind == "pathway")
        jsonschema.validate(pathway.document, SCHEMA)
        assert "Introduce yourself" in json.dumps(pathway.document)
        assert issuance.verdict(pathway.document).valid


def test_status_list_is_a_valid_signed_credential(app):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        award = awards()[0]
        listing = issuance.status_document(award.status_list_id)
        assert listing["type"][1] == "BitstringStatusListCredential"
        ok, problem = issuance.check_signature(
            listing, issuance.badges().issuer(), issuance.badges().loader
        )
        assert ok, problem


def test_release_for_an_unknown_version_awards_nothing_and_stands(app, caplog):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, 9999)
        assert awards() == []
        assert "badge_not_awarded" in caplog.text


def test_did_key_rotation_keeps_old_awards_checkable_after_revocation(settings):
    from lti_tool import create_app
    from lti_tool.db import upgrade_schema

    app = create_app({**settings, "badge_did_method": "key"})
    with app.app_context():
        upgrade_schema()
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        old = awards()[0]
        old_did = old.document["issuer"]["id"]
        issuance.badges().keys.rotate()
        assert issuance.badges().issuer().did != old_did
        issuance.revoke(old.id, "Issued in error")
        listing = issuance.status_document(old.status_list_id)
        # The list keeps the DID it was issued under, signed by that DID's key.
        assert listing["issuer"] == old_did
        assert listing["proof"][0]["verificationMethod"].startswith(old_did + "#")
        verdict = issuance.verdict(old.document)
        assert verdict.signature and verdict.status == "revoked", verdict.problems
        db.engine.dispose()
