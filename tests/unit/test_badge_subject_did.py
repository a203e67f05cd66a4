"""A learner names their DID; badges minted afterwards carry it as subject id."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lti_tool import catalogue
from lti_tool.badges import holder, issuance
from lti_tool.badges.multikey import did_key, multibase_encode
from lti_tool.db import db
from lti_tool.models import BadgeAward, BadgeSubjectDid, Person
from lti_tool.vocab import Claim, ContextRole
from tests import badge_helpers as h

KEY_DID = did_key(Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    "did",
    [
        KEY_DID,
        f"  {KEY_DID}  ",
        "did:web:example.org",
        "did:web:learners.example.org:users:ana",
        "did:web:localhost%3A8443",
        "did:web:example.org:u:ana%20lopez",
    ],
)
def test_accepted_dids(did):
    assert holder.check(did) == did.strip()


@pytest.mark.parametrize(
    "did",
    [
        "",
        "ana@example.org",
        "did:example:123",
        "did:key:",
        "did:key:abc",
        "did:key:z" + "1" * 40,
        # An X25519 key, not Ed25519: right form, wrong multicodec.
        "did:key:" + multibase_encode(b"\xec\x01" + bytes(32)),
        f"{KEY_DID}#frag",
        "did:web:",
        "did:web:-bad.example",
        "did:web:example.org/users/ana",
        "did:web:example.org:",
        "did:web:example.org:users::ana",
        "did:web:exa mple.org",
        "did:web:example.org%3Aport",
        "did:web:<script>alert(1)</script>",
        "did:web:" + "a." * 300 + "org",
    ],
)
def test_refused_dids(did):
    with pytest.raises(holder.InvalidDid):
        holder.check(did)


def _launch(platform, client, **claims):
    response, _, _ = platform.launch(client, **claims)
    location = urlsplit(response.headers["Location"])
    return location.path, location.query


def _stored(app, sub="user-1"):
    with app.app_context():
        person = db.session.scalar(db.select(Person).where(Person.sub == sub))
        return holder.current(person.id)


def test_learner_sets_changes_and_clears_their_did(app, client, platform, caplog):
    path, query = _launch(platform, client)
    page = client.get(f"{path}/badges?{query}").get_data(as_text=True)
    assert 'for="subject-did"' in page and "future badges name this DID" in page
    assert "not issued again" in page and 'data-did="none"' in page
    with caplog.at_level(logging.INFO, logger="pathmark"):
        saved = client.post(f"{path}/badges/did?{query}", data={"did": KEY_DID})
    assert saved.status_code == 303
    assert "lt=" in saved.headers["Location"]
    assert _stored(app) == KEY_DID
    assert "event=badge_subject_did_set" in caplog.text
    assert KEY_DID not in caplog.text
    page = client.get(f"{path}/badges?{query}").get_data(as_text=True)
    assert f'value="{KEY_DID}"' in page and 'data-did="set"' in page
    assert "Clear DID" in page

    client.post(f"{path}/badges/did?{query}", data={"did": "did:web:example.org"})
    assert _stored(app) == "did:web:example.org"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pathmark"):
        cleared = client.post(
            f"{path}/badges/did?{query}",
            data={"did": "did:web:example.org", "action": "clear"},
        )
    assert cleared.status_code == 303 and _stored(app) is None
    assert "event=badge_subject_did_cleared" in caplog.text
    assert "example.org" not in caplog.text
    # An emptied field clears too.
    client.post(f"{path}/badges/did?{query}", data={"did": KEY_DID})
    client.post(f"{path}/badges/did?{query}", data={"did": "  "})
    assert _stored(app) is None


def test_a_refused_did_is_explained_next_to_the_field_and_escaped(
    app, client, platform
):
    path, query = _launch(platform, client)
    client.post(f"{path}/badges/did?{query}", data={"did": KEY_DID})
    attack = 'did:web:x"><script>alert(1)</script>'
    refused = client.post(f"{path}/badges/did?{query}", data={"did": attack})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'id="subject-did-error"' in html and 'aria-invalid="true"' in html
    assert "does not name a host" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    # The form keeps its launch token, and the stored DID is unchanged.
    assert "/badges/did?lt=" in html
    assert _stored(app) == KEY_DID
    too_long = client.post(
        f"{path}/badges/did?{query}", data={"did": "did:web:" + "a" * 600}
    )
    assert too_long.status_code == 400
    assert "at most 512" in too_long.get_data(as_text=True)


def test_only_the_learner_themself_can_set_it(app, client, platform):
    learner_path, learner_query = _launch(platform, client)
    other_path, other_query = _launch(platform, client, sub="user-2", name="Bo")
    staff_path, staff_query = _launch(
        platform,
        client,
        sub="teacher-1",
        name="Tom Teacher",
        **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]},
    )
    staff = client.post(f"{staff_path}/badges/did?{staff_query}", data={"did": KEY_DID})
    assert staff.status_code in (401, 403)
    assert _stored(app, "teacher-1") is None
    # Without the launch token nothing is stored.
    bare = client.post(f"{learner_path}/badges/did", data={"did": KEY_DID})
    assert bare.status_code in (401, 403)
    # Another learner's token on this learner's launch path is refused too.
    crossed = client.post(
        f"{learner_path}/badges/did?{other_query}", data={"did": KEY_DID}
    )
    assert crossed.status_code in (401, 403)
    assert _stored(app) is None and _stored(app, "user-2") is None
    # The second learner's DID is theirs alone.
    client.post(f"{other_path}/badges/did?{other_query}", data={"did": KEY_DID})
    assert _stored(app, "user-2") == KEY_DID and _stored(app) is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(BadgeSubjectDid.did))) == 1


def test_awards_after_setting_carry_the_did_and_earlier_ones_stay(app, client):
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
        db.session.commit()
        before = db.session.scalars(db.select(BadgeAward)).one()
        before_id, before_doc = before.id, before.document
        assert "id" not in before_doc["credentialSubject"]

        holder.set_did(learner.id, KEY_DID)
        h.release(learner.id, second.id, assessment_id=2)
        db.session.commit()
        awards = db.session.scalars(db.select(BadgeAward)).all()
        fresh = [a for a in awards if a.id != before_id]
        assert sorted(a.kind for a in fresh) == ["credential", "pathway"]
        for award in fresh:
            subject = award.document["credentialSubject"]
            assert subject["id"] == KEY_DID
            assert subject["identifier"][0]["type"] == "IdentityObject"
            assert issuance.verdict(award.document).valid
        assert db.session.get(BadgeAward, before_id).document == before_doc
        assert issuance.verdict(before_doc).valid
        fresh_ids = [a.id for a in fresh]
    for award_id in [before_id, *fresh_ids]:
        page = client.get(f"/credentials/{award_id}").get_data(as_text=True)
        assert 'data-verdict="valid"' in page
