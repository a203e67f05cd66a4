"""A pathway badge falls when a credential it rests on is revoked."""

from __future__ import annotations

from lti_tool import catalogue
from lti_tool.badges import issuance
from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import BadgeAward
from tests import badge_helpers as h


def pathway_with(*keys: str, required: int | None = None) -> None:
    definition = {
        "key": "everyday-speaker",
        "title": "Everyday Speaker (A2)",
        "description": "Spoken A2 credentials.",
        "credentials": list(keys),
    }
    if required is not None:
        definition["required"] = required
    catalogue.save_pathway(definition)
    db.session.flush()


def award_of(kind: str, key: str) -> BadgeAward:
    return db.session.scalars(
        db.select(BadgeAward).where(BadgeAward.kind == kind, BadgeAward.key == key)
    ).one()


def test_revoking_a_needed_credential_revokes_the_pathway(app):
    with app.app_context():
        learner = h.person()
        first = h.credential("intro-yourself", title="Introduce yourself")
        second = h.credential("buy-or-return", title="Buy, book or return")
        pathway_with("intro-yourself", "buy-or-return")
        h.release(learner.id, first.id)
        h.release(learner.id, second.id, assessment_id=2)
        credential = award_of("credential", "intro-yourself")
        pathway = award_of("pathway", "everyday-speaker")
        assert issuance.verdict(pathway.document).valid

        done = issuance.revoke(credential.id, "Evidence was not the learner's own")
        db.session.commit()

        assert [r.award.id for r in done.pathways] == [pathway.id]
        assert pathway.revoked
        assert "intro-yourself" in pathway.revocation_reason
        assert "not the learner's own" in pathway.revocation_reason
        assert issuance.verdict(pathway.document).status == "revoked"
        # The other credential stands.
        assert issuance.verdict(award_of("credential", "buy-or-return").document).valid


def test_a_pathway_that_still_holds_keeps_its_badge(app):
    with app.app_context():
        learner = h.person()
        keys = ("intro-yourself", "buy-or-return", "describe-a-photo")
        versions = [h.credential(key, title=key) for key in keys]
        pathway_with(*keys, required=2)
        for number, version in enumerate(versions, 1):
            h.release(learner.id, version.id, assessment_id=number)
        pathway = award_of("pathway", "everyday-speaker")

        done = issuance.revoke(award_of("credential", keys[0]).id, "Mistake")
        db.session.commit()

        assert done.pathways == ()
        assert not pathway.revoked
        assert issuance.verdict(pathway.document).valid


def test_cli_names_the_pathway_badge_it_also_revoked(app):
    with app.app_context():
        learner = h.person()
        first = h.credential("intro-yourself", title="Introduce yourself")
        second = h.credential("buy-or-return", title="Buy, book or return")
        pathway_with("intro-yourself", "buy-or-return")
        h.release(learner.id, first.id)
        h.release(learner.id, second.id, assessment_id=2)
        db.session.commit()
        credential_id = award_of("credential", "buy-or-return").id
        pathway_id = award_of("pathway", "everyday-speaker").id

    result = app.test_cli_runner().invoke(
        main, ["awards", "revoke", credential_id, "--reason", "Wrong learner"]
    )
    assert result.exit_code == 0, result.output
    assert f"Also revoked pathway badge {pathway_id}" in result.output
