"""Public credit: a mentor's note, shown only while the learner consents."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema

from lti_tool.badges import issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward, Person
from lti_tool.vocab import Claim, ContextRole
from tests import badge_helpers as h

SCHEMA = json.loads(
    (
        Path(__file__).parent.parent
        / "data"
        / "openbadges"
        / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)
NOTE = {
    "done_well": "Kept the story in a clear order under time pressure",
    "shown_by": "The recording from 1:10 to 1:40",
    "setting": "Unsupervised recording at home, B1 course",
}


def _paths(response):
    location = urlsplit(response.headers["Location"])
    return location.path, location.query


def _setup(app, client, platform):
    learner_launch, _, _ = platform.launch(client)
    teacher_launch, _, _ = platform.launch(
        client, sub="teacher-1", **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]}
    )
    with app.app_context():
        learner = db.session.scalar(db.select(Person).where(Person.sub == "user-1"))
        h.release(learner.id, h.credential("introduce-yourself").id)
        db.session.commit()
        award_id = db.session.scalars(db.select(BadgeAward.id)).one()
    return _paths(learner_launch), _paths(teacher_launch), award_id


def _document(app, award_id):
    with app.app_context():
        return db.session.get(BadgeAward, award_id).document


def test_note_is_shown_only_after_consent_and_goes_after_withdrawal(
    app, client, platform
):
    (lpath, lq), (tpath, tq), award_id = _setup(app, client, platform)
    original = _document(app, award_id)

    added = client.post(f"{tpath}/awards/{award_id}/credit?{tq}", data=NOTE)
    assert added.status_code == 303
    again = client.post(f"{tpath}/awards/{award_id}/credit?{tq}", data=NOTE)
    assert again.status_code == 400
    assert _document(app, award_id) == original
    public = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert NOTE["done_well"] not in public
    mine = client.get(f"{lpath}/badges?{lq}").get_data(as_text=True)
    assert 'data-credit="pending"' in mine and NOTE["shown_by"] in mine

    agreed = client.post(f"{lpath}/badges/{award_id}/credit/consent?{lq}")
    assert agreed.status_code == 303
    with_note = _document(app, award_id)
    credit = with_note["credentialSubject"]["publicCredit"]
    assert credit["doneWell"] == NOTE["done_well"] and credit["type"] == "PublicCredit"
    jsonschema.validate(with_note, SCHEMA)
    public = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert NOTE["done_well"] in public and 'data-verdict="valid"' in public
    with app.app_context():
        assert issuance.verdict(with_note).valid
        # The copy issued before the note is superseded: its bit is revoked.
        assert issuance.verdict(original).status == "revoked"

    withdrawn = client.post(f"{lpath}/badges/{award_id}/credit/withdraw?{lq}")
    assert withdrawn.status_code == 303
    without = _document(app, award_id)
    assert "publicCredit" not in without["credentialSubject"]
    public = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert NOTE["done_well"] not in public and 'data-verdict="valid"' in public
    with app.app_context():
        assert issuance.verdict(without).valid
        assert issuance.verdict(with_note).status == "revoked"
    nothing_left = client.post(f"{lpath}/badges/{award_id}/credit/withdraw?{lq}")
    assert nothing_left.status_code == 409


def test_staff_cannot_consent_and_others_cannot_touch_the_note(app, client, platform):
    (lpath, lq), (tpath, tq), award_id = _setup(app, client, platform)
    client.post(f"{tpath}/awards/{award_id}/credit?{tq}", data=NOTE)
    # The mentor's own launch is not a learner's: no consenting for them.
    staff = client.post(f"{tpath}/badges/{award_id}/credit/consent?{tq}")
    assert staff.status_code != 303
    empty = client.post(
        f"{tpath}/awards/{award_id}/credit?{tq}", data={**NOTE, "setting": " "}
    )
    assert empty.status_code == 400
    with app.app_context():
        other = h.person(email="x@example.org", sub="other")
        h.release(other.id, h.credential("introduce-yourself").id, assessment_id=5)
        db.session.commit()
        foreign = db.session.scalar(
            db.select(BadgeAward.id).where(BadgeAward.person_id == other.id)
        )
    assert client.post(f"{lpath}/badges/{foreign}/credit/consent?{lq}").status_code == (
        404
    )
    assert "publicCredit" not in _document(app, award_id)["credentialSubject"]
