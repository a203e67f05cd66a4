"""Staff revocation from the activity page: pathway awards, missing list keys.

Staff may revoke the pathway awards their activity's credential counts
towards, for their own course's learners only; a status list whose did:key
is gone is refused in plain words, with nothing changed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.models import BadgeAward, BadgeStatusList, Person
from lti_tool.vocab import Claim, ContextRole
from tests import badge_helpers as h

GONE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _staff(client, platform) -> tuple[str, str]:
    platform.launch(client)
    teacher, _, _ = platform.launch(
        client,
        sub="teacher-1",
        name="Tom Teacher",
        **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]},
    )
    location = urlsplit(teacher.headers["Location"])
    return location.path, location.query


def _pathway(app, learner_sub: str, sub_email: str) -> dict[str, str]:
    """Both credentials and the pathway for one person: kind -> award id."""
    with app.app_context():
        learner = db.session.scalar(db.select(Person).where(Person.sub == learner_sub))
        if learner is None:
            learner = h.person(email=sub_email, sub=learner_sub)
        first = h.credential("introduce-yourself", title="Introduce yourself")
        second = h.credential("buy-or-return", title="Buy, book or return")
        if catalogue.credential("buy-or-return") and not catalogue.pathways():
            catalogue.save_pathway(
                {
                    "key": "everyday-speaker",
                    "title": "Everyday Speaker (A2)",
                    "description": "Two spoken A2 credentials.",
                    "credentials": ["introduce-yourself", "buy-or-return"],
                }
            )
        db.session.flush()
        h.release(learner.id, first.id)
        h.release(learner.id, second.id, assessment_id=2)
        db.session.commit()
        rows = db.session.scalars(
            db.select(BadgeAward).where(BadgeAward.person_id == learner.id)
        ).all()
        return {f"{a.kind}:{a.key}": a.id for a in rows}


def test_staff_revoke_a_pathway_award_of_their_course(app, client, platform):
    path, query = _staff(client, platform)
    ours = _pathway(app, "user-1", "")
    theirs = _pathway(app, "not-in-course", "out@example.org")
    pathway = ours["pathway:everyday-speaker"]
    page = client.get(f"{path}/awards?{query}").get_data(as_text=True)
    assert pathway in page and 'data-kind="pathway"' in page
    assert ours["credential:introduce-yourself"] in page
    # The other credential is placed elsewhere; another course's learner is out.
    assert ours["credential:buy-or-return"] not in page
    assert theirs["pathway:everyday-speaker"] not in page

    foreign = client.post(
        f"{path}/awards/{theirs['pathway:everyday-speaker']}/revoke?{query}",
        data={"reason": "x"},
    )
    assert foreign.status_code == 404
    done = client.post(
        f"{path}/awards/{pathway}/revoke?{query}", data={"reason": "Copied work"}
    )
    assert done.status_code == 303
    html = client.get(f"/credentials/{pathway}").get_data(as_text=True)
    assert "REVOKED" in html and "Copied work" in html
    with app.app_context():
        assert db.session.get(BadgeAward, pathway).revoked
        other = db.session.get(BadgeAward, theirs["pathway:everyday-speaker"])
        assert not other.revoked


def test_staff_revoke_refuses_when_the_list_key_is_gone(app, client, platform, caplog):
    path, query = _staff(client, platform)
    with app.app_context():
        learner = db.session.scalar(db.select(Person).where(Person.sub == "user-1"))
        h.release(learner.id, h.credential("introduce-yourself").id)
        db.session.commit()
        award = db.session.scalars(db.select(BadgeAward)).one()
        award_id = award.id
        row = db.session.get(BadgeStatusList, award.status_list_id)
        row.issuer_did = GONE
        db.session.commit()
    refused = client.post(
        f"{path}/awards/{award_id}/revoke?{query}", data={"reason": "Copied"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "no longer held" in html and "Nothing was changed" in html
    assert "Traceback" not in html
    assert f"event=badge_revoke_refused award={award_id}" in caplog.text
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        assert not award.revoked and award.revocation_reason != "Copied"
