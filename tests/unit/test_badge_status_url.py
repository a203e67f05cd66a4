"""New credentials point at their status list by the URL the list keeps.

A process configured with another base URL (a CLI on another host, a
moved deployment) mints and re-issues credentials whose status entry
names the list's stored URL, so the list they name is one Pathmark serves.
"""

from __future__ import annotations

from lti_tool import create_app
from lti_tool.badges import credit, issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward, BadgeStatusList
from tests import badge_helpers as h

ELSEWHERE = "http://moved-host.example:9999"


def _first(app) -> tuple[str, str]:
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        award = db.session.scalars(db.select(BadgeAward)).one()
        return award.id, db.session.get(BadgeStatusList, award.status_list_id).url


def _status_url(document) -> str:
    return document["credentialStatus"]["statusListCredential"]


def test_new_award_under_another_base_url_names_the_lists_url(app, settings):
    _, list_url = _first(app)
    assert list_url.startswith("http://localhost/status/")
    other = create_app({**settings, "base_url": ELSEWHERE})
    with other.app_context():
        learner = h.person(email="bo@example.org", sub="u-2")
        h.release(learner.id, h.credential().id, assessment_id=2)
        db.session.commit()
        second = db.session.scalar(
            db.select(BadgeAward).where(BadgeAward.person_id == learner.id)
        )
        document = second.document
    assert _status_url(document) == list_url
    assert ELSEWHERE not in _status_url(document)
    with app.app_context():
        # The list it names is found and read where it is served.
        assert issuance.verdict(document).status == "active"


def test_reissue_names_the_url_the_list_was_issued_under(app):
    award_id, _ = _first(app)
    moved = "http://old-host.example/status/1"
    with app.app_context():
        # A list first signed before the deployment moved to this base URL.
        row = db.session.get(BadgeStatusList, 1)
        row.url = moved
        issuance.sign_status_list(row)
        db.session.commit()
        award = db.session.get(BadgeAward, award_id)
        credit.add_note(award, award.person_id, "Clear order", "The recording", "B1")
        credit.consent(award)
        db.session.commit()
        document = db.session.get(BadgeAward, award_id).document
        assert "publicCredit" in document["credentialSubject"]
        assert _status_url(document) == moved
        verdict = issuance.verdict(document)
        assert verdict.valid, verdict.problems
