"""The public page on stored credentials Pathmark did not sign as they are.

Whatever the database holds, ``/credentials/<id>`` answers with a page that
says in plain words the credential could not be verified, never a 500, and
the operator log gets one line naming the award.
"""

from __future__ import annotations

import copy

import pytest

from lti_tool.badges import issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward
from tests import badge_helpers as h

UNKNOWN_CONTEXT = "https://contexts.example.org/not-bundled-v1.json"


def _mint(app) -> str:
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        return db.session.scalars(db.select(BadgeAward.id)).one()


def _store(app, award_id, change):
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        award.document = change(copy.deepcopy(award.document))
        db.session.commit()


def _extra_context(doc):
    doc["@context"].append(UNKNOWN_CONTEXT)
    return doc


def _proof(field, value):
    def change(doc):
        doc["proof"][0][field] = value
        return doc

    return change


def _without(*path):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return doc

    return change


def _set(key, value):
    def change(doc):
        doc[key] = value
        return doc

    return change


CASES = {
    "unknown context": (_extra_context, "context Pathmark does not hold"),
    "proof value not base58": (_proof("proofValue", "z0OIl"), "proof cannot"),
    "proof value of another signature": (
        _proof("proofValue", "z" + "2" * 86),
        "does not match",
    ),
    "proof type": (_proof("type", "Ed25519Signature2020"), "proof cannot"),
    "no proof": (_without("proof"), "carries no proof"),
    "no context": (_without("@context"), "malformed"),
    "no subject": (_without("credentialSubject"), "does not match"),
    "no achievement name": (
        _without("credentialSubject", "achievement", "name"),
        "does not match",
    ),
    "issuer as a number": (_set("issuer", 42), "another issuer"),
    "date as a number": (_set("validFrom", 20261204), "dates cannot be read"),
    "not an object": (lambda doc: ["not", "a", "credential"], "not a JSON object"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_malformed_stored_credential_reads_as_not_verified(app, client, caplog, case):
    change, problem = CASES[case]
    award_id = _mint(app)
    _store(app, award_id, change)

    page = client.get(f"/credentials/{award_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="invalid"' in html
    assert "could not be verified: it is not valid" in html
    assert "The signature is NOT valid" in html
    assert problem in html
    assert "Traceback" not in html
    # What was signed is shown as the title only when the signature holds.
    assert '<h1 id="verify-heading">Credential that could not be verified' in html
    assert f"event=badge_verification_failed award={award_id}" in caplog.text


def test_the_verdict_names_the_unknown_context_without_raising(app):
    award_id = _mint(app)
    _store(app, award_id, _extra_context)
    with app.app_context():
        verdict = issuance.verdict(db.session.get(BadgeAward, award_id).document)
    assert not verdict.valid and not verdict.signature
    assert any("context Pathmark does not hold" in p for p in verdict.problems)


def test_a_valid_credential_is_titled_by_its_signed_name(app, client, caplog):
    award_id = _mint(app)
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        signed_name = award.document["name"]
        # The catalogue row changing afterwards does not retitle the page.
        award.credential_version.definition = {
            **award.credential_version.definition,
            "title": "Renamed later",
        }
        db.session.commit()
    html = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert f'<h1 id="verify-heading">{signed_name}</h1>' in html
    assert f"<title>{signed_name} · verification" in html
    assert "Renamed later" not in html
    assert "badge_verification_failed" not in caplog.text
