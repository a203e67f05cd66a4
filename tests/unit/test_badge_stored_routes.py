"""Public badge routes over stored credentials of the wrong shape or tampered.

The image, OB 2.0 and LinkedIn routes read fields from the stored
credential: one that cannot be read gets a plain 404 and a log line, never
a 500, and the shared badge image still draws from a readable award or the
catalogue. OB 2.0 hosted documents are served only from a credential whose
signature verifies.
"""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

import pytest

from lti_tool import catalogue
from lti_tool.badges import images, issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward, CredentialVersion, Person
from tests import badge_helpers as h


def _mint_two(app) -> tuple[str, str, int]:
    """Two awards of one credential version: (first, second, version id)."""
    with app.app_context():
        version = h.credential()
        first = h.person()
        h.release(first.id, version.id)
        db.session.commit()
        second = h.person(email="bo@example.org", sub="u-2")
        h.release(second.id, version.id, assessment_id=2)
        db.session.commit()
        ids = {
            a.person_id: a.id for a in db.session.scalars(db.select(BadgeAward)).all()
        }
        return ids[first.id], ids[second.id], version.id


def _store(app, award_id, change):
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        award.document = change(copy.deepcopy(award.document))
        db.session.commit()


def _subject(value):
    def change(doc):
        if value is KeyError:
            del doc["credentialSubject"]
        else:
            doc["credentialSubject"] = value
        return doc

    return change


SHAPES = {
    "no subject": _subject(KeyError),
    "subject a list": _subject([{"type": "AchievementSubject"}]),
    "subject null": _subject(None),
    "subject a string": _subject("did:example:someone"),
    "document a list": lambda doc: [doc],
    "achievement without image": lambda doc: (
        doc["credentialSubject"]["achievement"].pop("image") and doc
    ),
}

ROUTES = (
    "/credentials/{id}/badge.png",
    "/ob2/assertions/{id}",
    "/ob2/assertions/{id}/badge.svg",
    "/ob2/assertions/{id}/badge.png",
)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_unreadable_credential_gets_plain_404_on_public_routes(
    app, client, caplog, shape
):
    bad, good, version_id = _mint_two(app)
    _store(app, bad, SHAPES[shape])
    for route in ROUTES:
        response = client.get(route.format(id=bad))
        assert response.status_code == 404, route
        assert response.mimetype == "text/plain"
        assert "cannot be read" in response.get_data(as_text=True)
    assert f"event=badge_document_refused award={bad}" in caplog.text

    # The badge class and the shared image come from the readable award.
    badge_class = client.get(f"/ob2/badgeclasses/credential/{version_id}")
    assert badge_class.status_code == 200
    image = client.get(urlsplit(badge_class.get_json()["image"]).path)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert client.get(f"/ob2/assertions/{good}").status_code == 200


def test_image_falls_back_to_the_catalogue_when_no_award_reads(app, client, caplog):
    bad, other, version_id = _mint_two(app)
    for award_id in (bad, other):
        _store(app, award_id, _subject(None))
    with app.app_context():
        key = db.session.get(BadgeAward, bad).key
        definition = catalogue.definition(db.session.get(CredentialVersion, version_id))
        expected = images.badge_png(definition.title, definition.level)
    image = client.get(f"/badges/images/credential/{key}.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == expected
    assert "event=badge_image_from_catalogue" in caplog.text
    assert client.get(f"/ob2/badgeclasses/credential/{version_id}").status_code == 404
    assert client.get("/badges/images/credential/no-such-key.png").status_code == 404


def _rename(doc):
    doc["credentialSubject"]["achievement"]["name"] = "Advanced Everything"
    doc["credentialSubject"]["achievement"]["description"] = "Tampered"
    return doc


def test_tampered_credential_is_not_served_as_an_ob2_assertion(app, client, caplog):
    bad, good, version_id = _mint_two(app)
    _store(app, bad, _rename)
    for route in ROUTES[1:]:
        response = client.get(route.format(id=bad))
        assert response.status_code == 404, route
        assert "does not verify" in response.get_data(as_text=True)
    assert f"event=badge_document_refused award={bad} reason=signature" in (caplog.text)
    # The badge class is drawn from the award whose signature holds.
    badge_class = client.get(f"/ob2/badgeclasses/credential/{version_id}").get_json()
    assert badge_class["name"] != "Advanced Everything"
    assert client.get(f"/ob2/assertions/{good}").status_code == 200
    with app.app_context():
        assert not issuance.signed(db.session.get(BadgeAward, bad).document)
        assert issuance.signed(db.session.get(BadgeAward, good).document)
        assert not issuance.signed(["not", "a", "credential"])


def _learner_page(app, client, platform):
    response, _, _ = platform.launch(client)
    location = urlsplit(response.headers["Location"])
    with app.app_context():
        learner = db.session.scalars(db.select(Person)).one()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        award_id = db.session.scalars(db.select(BadgeAward.id)).one()
    return award_id, f"{location.path}/badges?{location.query}"


@pytest.mark.parametrize("shape", ["subject null", "document a list"])
def test_learner_page_lists_an_unreadable_badge_without_linkedin(
    app, client, platform, shape
):
    award_id, url = _learner_page(app, client, platform)
    _store(app, award_id, SHAPES[shape])
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert award_id in html and "linkedin.com" not in html


def test_learner_page_shows_a_revoked_badge_as_revoked(app, client, platform):
    award_id, url = _learner_page(app, client, platform)
    before = client.get(url).get_data(as_text=True)
    assert "linkedin.com/profile/add" in before
    assert f"/credentials/{award_id}/badge.png" in before
    with app.app_context():
        issuance.revoke(award_id, "Shared answers")
        db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert 'data-state="revoked"' in html and "Shared answers" in html
    assert "linkedin.com" not in html
    assert f"/credentials/{award_id}/badge.png" not in html
    assert f"/credentials/{award_id}/credential.json" not in html
    assert f"/credentials/{award_id}" in html
