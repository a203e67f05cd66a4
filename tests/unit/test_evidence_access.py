"""Privacy: the learner and the course's staff see evidence; nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool.db import db, utcnow
from lti_tool.models import MediaLink
from lti_tool.vocab import ContextRole
from tests import media_samples
from tests import recording_samples as rec
from tests.evidence_helpers import JSON_HEADERS, counts, launch, place_credential

DATA = rec.webm(100.0)


@pytest.fixture
def world(app, platform):
    place_credential(app, takes=3)
    owner = launch(app, platform)
    submission = owner.start()
    artefact = owner.post_file(submission, DATA).get_json()["artefact"]["id"]
    return owner, submission, artefact


def _get(session, artefact, **headers):
    return session.client.get(
        f"/evidence/{session.launch_id}/artefacts/{artefact}?lt={session.token}",
        headers=headers,
    )


def test_owner_and_course_staff_can_play(app, platform, world):
    owner, _, artefact = world
    assert _get(owner, artefact).data == DATA
    for role in (ContextRole.INSTRUCTOR, ContextRole.MENTOR):
        staff = launch(app, platform, sub=f"staff-{role.name}", role=role.value)
        response = _get(staff, artefact)
        assert response.status_code == 200 and response.data == DATA


@pytest.mark.parametrize(
    "who",
    [
        {"sub": "user-2"},  # another learner, same course
        {"sub": "user-3", "context": "course-2", "link": "link-9"},
        {
            "sub": "staff-x",
            "role": ContextRole.INSTRUCTOR.value,
            "context": "course-2",
            "link": "link-9",
        },
    ],
)
def test_anyone_else_gets_not_found(app, platform, world, who):
    _, _, artefact = world
    other = launch(app, platform, **who)
    response = _get(other, artefact)
    assert response.status_code == 404
    assert DATA[:100] not in response.data


def test_token_of_another_launch_is_refused(app, platform, world):
    owner, _, artefact = world
    other = launch(app, platform, sub="user-2")
    response = other.client.get(
        f"/evidence/{owner.launch_id}/artefacts/{artefact}?lt={other.token}"
    )
    assert response.status_code == 403


def test_learner_cannot_post_to_another_learners_submission(app, platform, world):
    owner, submission, artefact = world
    other = launch(app, platform, sub="user-2")
    before = counts(app)
    for response in (
        other.post_file(submission, media_samples.webm(20_001)),
        other.submit(submission),
        other.client.post(
            other.url("withdraw"),
            data={"submission": submission, "artefact": artefact},
            headers=JSON_HEADERS,
        ),
        other.client.post(
            other.url("text"),
            data={"submission": submission, "text": "mine now"},
            headers=JSON_HEADERS,
        ),
    ):
        assert response.status_code == 404
    assert counts(app) == before
    receipt = other.client.get(
        f"/evidence/{other.launch_id}/submissions/{submission}/receipt?lt={other.token}"
    )
    assert receipt.status_code == 404


def test_staff_cannot_upload_as_a_learner(app, platform, world):
    _, submission, _ = world
    staff = launch(app, platform, sub="t1", role=ContextRole.INSTRUCTOR.value)
    response = staff.post_file(submission, media_samples.webm(20_002))
    assert response.status_code == 403


def test_range_requests_for_seeking(world):
    owner, _, artefact = world
    response = _get(owner, artefact, Range="bytes=100-199")
    assert response.status_code == 206
    assert response.data == DATA[100:200]
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert response.headers["Accept-Ranges"] == "bytes"
    tail = _get(owner, artefact, Range="bytes=-10")
    assert tail.data == DATA[-10:]
    beyond = _get(owner, artefact, Range=f"bytes={len(DATA) + 5}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(DATA)}"
    several = _get(owner, artefact, Range="bytes=0-9,20-29")
    assert several.status_code == 200 and several.data == DATA
    assert "Content-Range" not in several.headers


def test_signed_media_links_expire_and_can_be_revoked(app, platform, world):
    _, _, artefact = world
    staff = launch(app, platform, sub="t1", role=ContextRole.INSTRUCTOR.value)
    made = staff.client.post(
        f"/evidence/{staff.launch_id}/artefacts/{artefact}/links?lt={staff.token}"
    )
    assert made.status_code == 201
    url = made.get_json()["url"].removeprefix("http://localhost")
    anonymous = app.test_client()
    assert anonymous.get(url).data == DATA
    assert anonymous.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    assert anonymous.get(url[:-3] + "xyz").status_code == 404

    link_id = made.get_json()["id"]
    with app.app_context():
        row = db.session.get(MediaLink, link_id)
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = anonymous.get(url)
    assert expired.status_code == 404
    assert "Open the submission from the course" in expired.get_data(as_text=True)
    with app.app_context():
        db.session.get(MediaLink, link_id).expires_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    assert anonymous.get(url).status_code == 200
    revoked = staff.client.post(
        f"/evidence/{staff.launch_id}/media-links/{link_id}/revoke?lt={staff.token}"
    )
    assert revoked.status_code == 204
    assert anonymous.get(url).status_code == 404


def test_other_course_staff_cannot_make_links(app, platform, world):
    _, _, artefact = world
    staff = launch(
        app,
        platform,
        sub="t2",
        role=ContextRole.INSTRUCTOR.value,
        context="course-2",
        link="link-9",
    )
    made = staff.client.post(
        f"/evidence/{staff.launch_id}/artefacts/{artefact}/links?lt={staff.token}"
    )
    assert made.status_code == 404


def test_expired_media_says_so_and_receipt_still_verifies(app, platform, world):
    from lti_tool.cli import main
    from lti_tool.models import Submission

    owner, submission, artefact = world
    owner.post_file(submission, DATA)  # same bytes again: shares the object
    jws = owner.submit(submission, key="x" * 20).get_json()
    assert jws is not None
    with app.app_context():
        db.session.get(Submission, submission).final_at = utcnow() - timedelta(days=40)
        db.session.commit()
    app.config["MEDIA_RETENTION_DAYS"] = 30
    result = app.test_cli_runner().invoke(main, ["evidence", "expire-media"])
    assert "Removed the media of 2 artefact(s)" in result.output, result.output
    assert app.extensions["pathmark.store"].root.joinpath("sha256").exists()
    assert not [
        p for p in app.extensions["pathmark.store"].root.rglob("*") if p.is_file()
    ]
    assert _get(owner, artefact).status_code == 410
    from lti_tool.receipt_views import check_receipt

    with app.app_context():
        result = check_receipt(jws["receipt"])
    assert result["valid"] and not result["all_match"]
    assert {a["status"] for a in result["artefacts"]} == {"expired"}


def _link(session, artefact) -> int:
    made = session.client.post(
        f"/evidence/{session.launch_id}/artefacts/{artefact}/links?lt={session.token}"
    )
    assert made.status_code == 201
    return made.get_json()["id"]


def _revoke(session, link_id: int):
    return session.client.post(
        f"/evidence/{session.launch_id}/media-links/{link_id}/revoke"
        f"?lt={session.token}",
        headers=JSON_HEADERS,
    )


def test_a_learner_cannot_revoke_a_link_staff_made(app, platform, world):
    owner, _, artefact = world
    staff = launch(app, platform, sub="t1", role=ContextRole.INSTRUCTOR.value)
    link_id = _link(staff, artefact)
    refused = _revoke(owner, link_id)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "not_yours"
    with app.app_context():
        assert db.session.get(MediaLink, link_id).revoked_at is None
    # The learner's own link is theirs to revoke; staff may revoke any.
    own = _link(owner, artefact)
    assert _revoke(owner, own).status_code == 204
    other = launch(app, platform, sub="t2", role=ContextRole.MENTOR.value)
    assert _revoke(other, link_id).status_code == 204


def test_a_learner_cannot_revoke_the_gradebook_hand_over_link(app, platform, world):
    from lti_tool import media
    from lti_tool.models import Artefact

    owner, _, artefact = world
    with app.app_context():
        made, _ = media.create_link(
            db.session.get(Artefact, artefact), None, purpose="canvas"
        )
        db.session.commit()
        link_id = made.id
    assert _revoke(owner, link_id).status_code == 403
