"""Badge pages and documents over the app's HTTP interface, and the CLI."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from lti_tool import catalogue
from lti_tool.badges import images, issuance
from lti_tool.badges.canonical import checked_expansion
from lti_tool.badges.multikey import public_key_from_multikey
from lti_tool.badges.proof import verify
from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import BadgeAward, Person
from tests import badge_helpers as h

LD = {"Accept": "application/ld+json"}


def _mint(app, email="Ana.Lopez@Example.org"):
    with app.app_context():
        learner = h.person(email=email)
        h.release(learner.id, h.credential().id)
        db.session.commit()
        return db.session.scalars(db.select(BadgeAward)).one().id


def test_did_web_document_lists_the_key_that_signed(app, client):
    award_id = _mint(app)
    did = client.get("/.well-known/did.json").get_json()
    assert did["id"] == "did:web:localhost"
    doc = client.get(f"/credentials/{award_id}", headers=LD).get_json()
    method = doc["proof"][0]["verificationMethod"]
    assert method in did["assertionMethod"]
    entry = next(m for m in did["verificationMethod"] if m["id"] == method)
    key = public_key_from_multikey(entry["publicKeyMultibase"])
    with app.app_context():
        assert verify(doc, key, issuance.badges().loader)


def test_rotation_keeps_old_credentials_verifying(app, client):
    first = _mint(app)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["awards", "rotate-key"]).exit_code == 0
    did = client.get("/.well-known/did.json").get_json()
    assert len(did["verificationMethod"]) == 2
    with app.app_context():
        second = h.person(email="bo@example.org", sub="u-2")
        h.release(second.id, h.credential().id)
        db.session.commit()
        docs = [a.document for a in db.session.scalars(db.select(BadgeAward))]
        methods = {d["proof"][0]["verificationMethod"] for d in docs}
        assert len(methods) == 2
        for doc in docs:
            assert issuance.verdict(doc).valid
    assert client.get(f"/credentials/{first}").status_code == 200


def test_verification_page_is_public_and_shows_no_email(app, client):
    award_id = _mint(app, email="Zelda.Q@Mailhost.test")
    page = client.get(f"/credentials/{award_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-verdict="valid"' in html
    assert "The signature is valid" in html and "not been revoked" in html
    assert "Tell me what happened" in html and "Secure" in html
    assert "sha256-" in html
    assert h.DIGEST in html  # hex, as the learner's receipt shows it
    assert "zelda" not in html.lower() and "mailhost" not in html.lower()
    as_json = client.get(f"/credentials/{award_id}", headers=LD)
    assert as_json.mimetype == "application/ld+json"
    assert as_json.get_json()["id"].endswith(award_id)
    # curl and crawlers send */*: they get the page a person would see.
    anything = client.get(f"/credentials/{award_id}", headers={"Accept": "*/*"})
    assert anything.mimetype == "text/html"
    assert client.get("/credentials/nope").status_code == 404


def test_revoke_from_the_cli_shows_on_page_status_and_ob2(app, client):
    award_id = _mint(app)
    runner = app.test_cli_runner()
    missing = runner.invoke(main, ["badges", "revoke", award_id])
    assert missing.exit_code != 0
    done = runner.invoke(main, ["badges", "revoke", award_id, "--reason", "Plagiarism"])
    assert done.exit_code == 0, done.output
    html = client.get(f"/credentials/{award_id}").get_data(as_text=True)
    assert 'data-verdict="invalid"' in html and "REVOKED" in html
    assert "Plagiarism" in html
    ob2 = client.get(f"/ob2/assertions/{award_id}")
    assert ob2.status_code == 410 and ob2.get_json()["revoked"] is True
    unknown = runner.invoke(main, ["awards", "revoke", "no-such", "--reason", "x"])
    assert unknown.exit_code != 0 and "no award" in unknown.output


def test_status_list_is_served_signed(app, client):
    award_id = _mint(app)
    doc = client.get(f"/credentials/{award_id}", headers=LD).get_json()
    url = urlsplit(doc["credentialStatus"]["statusListCredential"]).path
    listing = client.get(url)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["credentialSubject"]["type"] == "BitstringStatusList"
    assert body["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert client.get("/status/999").status_code == 404


def test_ob2_hosted_documents_and_baked_images(app, client):
    award_id = _mint(app)
    assertion = client.get(f"/ob2/assertions/{award_id}").get_json()
    assert assertion["type"] == "Assertion"
    assert assertion["verification"] == {"type": "hosted"}
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        salt = award.salt
    recipient = assertion["recipient"]
    assert recipient["salt"] == salt and recipient["hashed"] is True
    from lti_tool.badges.recipient import email_hash

    assert recipient["identity"] == email_hash("ana.lopez@example.org", salt)
    badge_class = client.get(urlsplit(assertion["badge"]).path).get_json()
    assert badge_class["type"] == "BadgeClass"
    assert badge_class["alignment"][0]["targetFramework"] == "CEFR"
    assert client.get(urlsplit(badge_class["issuer"]).path).get_json()["type"] == (
        "Issuer"
    )

    png2 = client.get(f"/ob2/assertions/{award_id}/badge.png").data
    assert images.read_png(png2, images.OB2_KEYWORD) == assertion["id"]
    png3 = client.get(f"/credentials/{award_id}/badge.png").data
    baked = json.loads(images.read_png(png3, images.OB3_KEYWORD))
    assert baked == client.get(f"/credentials/{award_id}", headers=LD).get_json()
    svg = client.get(f"/ob2/assertions/{award_id}/badge.svg").get_data(as_text=True)
    assert images.read_svg(svg, "assertion")["id"] == assertion["id"]
    image = client.get(urlsplit(badge_class["image"]).path)
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_svg_baking_survives_cdata_end_in_text():
    svg = images.bake_svg("T", "B1", "assertion", {"id": "x", "note": "a]]>b"})
    assert images.read_svg(svg, "assertion")["note"] == "a]]>b"


def test_learner_sees_own_badges_with_downloads_linkedin_and_qr(app, client, platform):
    response, _, _ = platform.launch(client)
    location = urlsplit(response.headers["Location"])
    with app.app_context():
        learner = db.session.scalars(db.select(Person)).one()
        other = h.person(email="someone@example.org", sub="u-9")
        version = h.credential()
        h.release(learner.id, version.id)
        h.release(other.id, version.id, assessment_id=2)
        db.session.commit()
        mine = db.session.scalar(
            db.select(BadgeAward.id).where(BadgeAward.person_id == learner.id)
        )
        theirs = db.session.scalar(
            db.select(BadgeAward.id).where(BadgeAward.person_id == other.id)
        )
    activity = client.get(f"{location.path}?{location.query}").get_data(as_text=True)
    assert "/badges?lt=" in activity
    page = client.get(f"{location.path}/badges?{location.query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert mine in html and theirs not in html
    assert "linkedin.com/profile/add" in html and "<svg" in html
    assert f"/credentials/{mine}/badge.png" in html
    assert parse_qs(location.query)["lt"]
    # Without the launch token the page does not open.
    assert client.get(f"{location.path}/badges").status_code != 200


def _launch_path(response) -> tuple[str, str]:
    location = urlsplit(response.headers["Location"])
    return location.path, location.query


def test_staff_revoke_from_the_activity_page(app, client, platform):
    from lti_tool.vocab import Claim, ContextRole

    learner_launch, _, _ = platform.launch(client)
    teacher_launch, _, _ = platform.launch(
        client,
        sub="teacher-1",
        name="Tom Teacher",
        **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]},
    )
    with app.app_context():
        learner = db.session.scalar(db.select(Person).where(Person.sub == "user-1"))
        outsider = h.person(email="out@example.org", sub="not-in-course")
        version = h.credential("introduce-yourself")
        h.release(learner.id, version.id)
        h.release(outsider.id, version.id, assessment_id=2)
        db.session.commit()
        ours = db.session.scalar(
            db.select(BadgeAward.id).where(BadgeAward.person_id == learner.id)
        )
        foreign = db.session.scalar(
            db.select(BadgeAward.id).where(BadgeAward.person_id == outsider.id)
        )
    path, query = _launch_path(teacher_launch)
    activity = client.get(f"{path}?{query}").get_data(as_text=True)
    assert "/awards?lt=" in activity
    page = client.get(f"{path}/awards?{query}").get_data(as_text=True)
    assert ours in page and foreign not in page

    no_reason = client.post(f"{path}/awards/{ours}/revoke?{query}", data={})
    assert no_reason.status_code == 400
    elsewhere = client.post(
        f"{path}/awards/{foreign}/revoke?{query}", data={"reason": "x"}
    )
    assert elsewhere.status_code == 404
    done = client.post(
        f"{path}/awards/{ours}/revoke?{query}", data={"reason": "Wrong learner"}
    )
    assert done.status_code == 303
    assert "Wrong learner" in client.get(f"/credentials/{ours}").get_data(as_text=True)
    # A resubmitted form (another tab) says so instead of "Revoked" again.
    again = client.post(
        f"{path}/awards/{ours}/revoke?{query}", data={"reason": "Other reason"}
    )
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and "already revoked on" in html
    assert 'data-notice="already-revoked"' in html
    with app.app_context():
        assert db.session.get(BadgeAward, ours).revoked
        assert db.session.get(BadgeAward, ours).revocation_reason == "Wrong learner"
        assert not db.session.get(BadgeAward, foreign).revoked

    # A learner's token does not open the staff page.
    lpath, lquery = _launch_path(learner_launch)
    assert client.get(f"{lpath}/awards?{lquery}").status_code != 200


def test_achievement_ids_inside_credentials_resolve(app, client):
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
        h.release(learner.id, first.id)
        h.release(learner.id, second.id, assessment_id=2)
        db.session.commit()
        docs = [a.document for a in db.session.scalars(db.select(BadgeAward))]
    achievements = [d["credentialSubject"]["achievement"] for d in docs]
    assert {urlsplit(a["id"]).path for a in achievements} >= {
        "/achievements/intro-yourself/v1",
        "/achievements/pathways/everyday-speaker/v1",
    }
    for signed in achievements:
        path = urlsplit(signed["id"]).path
        as_json = client.get(path, headers=LD)
        assert as_json.status_code == 200 and as_json.mimetype == "application/ld+json"
        body = as_json.get_json()
        assert body["id"] == signed["id"] and body["name"] == signed["name"]
        assert "https://www.w3.org/ns/credentials/v2" in body["@context"]
        with app.app_context():
            # Every term is defined: JSON-LD expansion drops nothing.
            checked_expansion(body, issuance.badges().loader)
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.mimetype == "text/html" and signed["name"] in html
    intro = client.get("/achievements/intro-yourself/v1").get_data(as_text=True)
    assert "What is judged" in intro and "CEFR" in intro
    for missing in (
        "/achievements/intro-yourself/v2",
        "/achievements/no-such/v1",
        "/achievements/pathways/no-such/v1",
    ):
        assert client.get(missing).status_code == 404
