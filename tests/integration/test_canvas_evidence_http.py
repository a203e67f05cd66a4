"""Canvas gets the submitted work as signed links it fetches over HTTP."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from lti_tool import grade_outbox, media
from lti_tool.db import db, utcnow
from lti_tool.models import Artefact, MediaLink, Registration, ScoreDelivery
from lti_tool.vocab import Claim, Scope
from tests import media_samples as samples
from tests import recording_samples as rec
from tests.ags_peer import CANVAS_SUBMISSION, AgsPeer
from tests.evidence_helpers import JSON_HEADERS, launch, place_credential
from tests.local_server import serving
from tests.platform_fake import CLIENT_ID


@pytest.fixture(params=["canvas"])
def lms(app, platform, request):
    peer = AgsPeer(
        app.extensions["pathmark"].keyring.jwks, CLIENT_ID, mode=request.param
    ).start()
    peer.gradable.add("user-1")
    with app.app_context():
        db.session.execute(update(Registration).values(auth_token_url=peer.token_url))
        db.session.commit()
    yield peer
    peer.stop()


@pytest.fixture
def served(app):
    """Pathmark on a real socket (learner_in points its links there)."""
    with serving(app) as base:
        yield base


def learner_in(app, platform, peer, family: str, base: str):
    """A learner launched in; links handed out after it point at ``base``."""
    item = peer.add_line_item(resourceLinkId="link-1")
    session = launch(
        app,
        platform,
        claims={
            Claim.TOOL_PLATFORM: {"product_family_code": family},
            Claim.AGS_ENDPOINT: {
                "scope": [Scope.SCORE.value, Scope.LINEITEM_READONLY.value],
                "lineitems": peer.lineitems_url,
                "lineitem": peer.lineitem_url(item),
            },
        },
    )
    app.config["BASE_URL"] = base
    return session


def hand_in(app, session, *files: tuple[bytes, str, str, str]) -> int:
    submission = session.start()
    for data, kind, content_type, name in files:
        response = session.post_file(
            submission,
            data,
            kind=kind,
            content_type=content_type,
            duration="100",
            name=name,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    assert session.submit(submission).status_code == 200
    with app.app_context():
        assert app.extensions["pathmark.grading"].drain() == {"delivered": 1}
    return submission


def digests(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.scalars(select(Artefact)).all()
        return {row.sha256: row.media_type for row in rows}


def test_canvas_fetches_each_file_through_its_signed_link(app, platform, lms, served):
    place_credential(
        app,
        kinds=["recording", "upload"],
        media_types=["audio/webm", "application/pdf"],
    )
    learner = learner_in(app, platform, lms, "canvas", served)
    recording, pdf = rec.webm(100.0), samples.pdf()
    hand_in(
        app,
        learner,
        (recording, "recording", "audio/webm", ""),
        (pdf, "upload", "application/pdf", "../../essay%0A.pdf"),
    )

    (body,) = lms.accepted
    extension = body[CANVAS_SUBMISSION]
    assert extension["new_submission"] is True
    assert extension["submission_type"] == "online_upload"
    items = extension["content_items"]
    assert [(i["type"], i["media_type"]) for i in items] == [
        ("file", "audio/webm"),
        ("file", "application/pdf"),
    ]
    assert items[0]["title"] == "recording-1.webm"
    assert items[1]["title"] == "essay.pdf"
    assert all(i["url"].startswith(served + "/media/") for i in items)

    # Later, Canvas downloads each file: exactly the bytes handed in.
    fetched = lms.fetch_content_items()
    assert [status for _, status, _ in fetched] == [200, 200]
    assert {hashlib.sha256(data).hexdigest() for _, _, data in fetched} == set(
        digests(app)
    )
    assert fetched[0][2] == recording and fetched[1][2] == pdf

    # A player seeking in the recording gets the range it asked for.
    part = requests.get(items[0]["url"], headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == recording[100:200]

    # Staff revoke one link; the other runs out: Canvas gets neither.
    with app.app_context():
        links = db.session.scalars(select(MediaLink).order_by(MediaLink.id)).all()
        assert len(links) == 2
        assert all(link.expires_at > utcnow() + timedelta(hours=23) for link in links)
        media.revoke(links[0])
        links[1].expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert [status for _, status, _ in lms.fetch_content_items()] == [404, 404]


def test_resync_hands_canvas_fresh_links(app, platform, lms, served):
    place_credential(app, kinds=["recording"], media_types=["audio/webm"])
    learner = learner_in(app, platform, lms, "canvas", served)
    recording = rec.webm(100.0)
    hand_in(app, learner, (recording, "recording", "audio/webm", ""))
    with app.app_context():
        (link,) = db.session.scalars(select(MediaLink)).all()
        link.expires_at = utcnow() - timedelta(seconds=1)
        (row,) = db.session.scalars(select(ScoreDelivery)).all()
        link_id, person_id = row.resource_link_id, row.person_id
        db.session.commit()
    assert [status for _, status, _ in lms.fetch_content_items()] == [404]

    with app.app_context():
        assert grade_outbox.resync(link_id, person_id, utcnow()) == 1
        db.session.commit()
        assert app.extensions["pathmark.grading"].drain() == {"delivered": 1}

    first, again = lms.accepted
    old_url = first[CANVAS_SUBMISSION]["content_items"][0]["url"]
    (item,) = again[CANVAS_SUBMISSION]["content_items"]
    assert item["url"] != old_url
    assert again[CANVAS_SUBMISSION]["new_submission"] is False
    fresh = requests.get(item["url"], timeout=10)
    assert fresh.status_code == 200 and fresh.content == recording


def test_link_lifetime_follows_the_setting(app, platform, lms, served):
    app.config["MEDIA_LINK_HOURS"] = 3
    place_credential(app, kinds=["recording"], media_types=["audio/webm"])
    learner = learner_in(app, platform, lms, "canvas", served)
    hand_in(app, learner, (rec.webm(100.0), "recording", "audio/webm", ""))
    with app.app_context():
        (link,) = db.session.scalars(select(MediaLink)).all()
        left = link.expires_at - utcnow()
    assert timedelta(hours=2, minutes=59) < left <= timedelta(hours=3)


def test_typed_text_alone_goes_as_a_text_entry(app, platform, lms, served):
    place_credential(app, kinds=["text"])
    learner = learner_in(app, platform, lms, "canvas", served)
    submission = learner.start()
    response = learner.client.post(
        learner.url("text"),
        data={"submission": submission, "text": "I <b>planned</b> & it rained."},
        headers=JSON_HEADERS,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert learner.submit(submission).status_code == 200
    with app.app_context():
        assert app.extensions["pathmark.grading"].drain() == {"delivered": 1}
        assert db.session.scalars(select(MediaLink)).all() == []
    extension = lms.accepted[0][CANVAS_SUBMISSION]
    assert extension["submission_type"] == "online_text_entry"
    assert extension["submission_data"] == (
        "<p>I &lt;b&gt;planned&lt;/b&gt; &amp; it rained.</p>"
    )
    assert "content_items" not in extension


@pytest.mark.parametrize("lms", ["moodle"], indirect=True)
def test_moodle_gets_the_score_without_links(app, platform, lms, served):
    place_credential(app, kinds=["recording"], media_types=["audio/webm"])
    learner = learner_in(app, platform, lms, "moodle", served)
    hand_in(app, learner, (rec.webm(100.0), "recording", "audio/webm", ""))
    (body,) = lms.accepted
    assert CANVAS_SUBMISSION not in body
    with app.app_context():
        assert db.session.scalars(select(MediaLink)).all() == []


def test_the_learner_cannot_revoke_what_speedgrader_fetches(app, platform, lms, served):
    place_credential(app, kinds=["recording"], media_types=["audio/webm"])
    learner = learner_in(app, platform, lms, "canvas", served)
    hand_in(app, learner, (rec.webm(100.0), "recording", "audio/webm", ""))
    with app.app_context():
        (link,) = db.session.scalars(select(MediaLink)).all()
        assert (link.created_by_id, link.purpose) == (None, "canvas")
        link_id = link.id
    refused = learner.client.post(
        learner.url(f"media-links/{link_id}/revoke"), headers=JSON_HEADERS
    )
    assert refused.status_code == 403
    [(_, status, _)] = lms.fetch_content_items()
    assert status == 200
