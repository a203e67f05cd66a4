"""Badges naming the learner's DID pass the independent verifier.

Uses the real-server fixture of test_badge_verifier (did:key and did:web
issuers); skips the same way when Node or the verifier is not installed.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lti_tool import catalogue
from lti_tool.badges import holder
from lti_tool.badges.multikey import did_key
from lti_tool.db import db
from lti_tool.models import BadgeAward
from tests import badge_helpers as h
from tests.integration.test_badge_verifier import run_verifier, served  # noqa: F401

pytestmark = pytest.mark.http


def test_credential_and_pathway_with_the_learner_did_verify(served):  # noqa: F811
    app, command, folder = served
    learner_did = did_key(Ed25519PrivateKey.generate().public_key())
    with app.app_context():
        learner = h.person()
        holder.set_did(learner.id, learner_did)
        version = h.credential("intro-yourself", title="Introduce yourself")
        catalogue.save_pathway(
            {
                "key": "first-steps",
                "title": "First steps (A1)",
                "description": "One spoken credential.",
                "credentials": ["intro-yourself"],
                "required": 1,
            }
        )
        db.session.flush()
        h.release(learner.id, version.id)
        db.session.commit()
        awards = db.session.scalars(db.select(BadgeAward)).all()
        documents = {a.kind: a.document for a in awards}
    assert set(documents) == {"credential", "pathway"}
    for document in documents.values():
        assert document["credentialSubject"]["id"] == learner_did
    results = run_verifier(command, folder, documents)
    for kind in ("credential", "pathway"):
        assert results[kind]["signature"] is True, results[kind]
        assert results[kind]["schema"] is True, results[kind]
        assert results[kind]["revocation"] is True, results[kind]
