"""A take survives a session that expires mid-upload (issue 4, bad input).

The expired request is refused cleanly and changes nothing; the learner's
next launch of the same activity resumes the same upload from the server's
offset. Nobody else, and no other placement, can carry it on.
"""

from __future__ import annotations

import hashlib
import logging

import pytest

from lti_tool.db import db
from lti_tool.models import Artefact, Submission, Upload, UploadChunk
from tests import recording_samples as rec
from tests.evidence_helpers import (
    JSON_HEADERS,
    expire_launch_tokens,
    launch,
    place_credential,
    stored_files,
)

CHUNK = 16_384
# A take whose length can be read (3 s), in more than one chunk.
DATA = rec.webm(3.0, frame_ms=5)


@pytest.fixture
def learner(app, platform):
    app.config["UPLOAD_CHUNK_BYTES"] = CHUNK
    place_credential(app, max_bytes=200_000)
    session = launch(app, platform)
    session.submission = session.start()
    return session


def _ticket(s) -> str:
    got = s.client.post(
        s.url("recording-ticket", submission=s.submission), headers=JSON_HEADERS
    )
    assert got.status_code == 201, got.get_data(as_text=True)
    return got.get_json()["ticket"]


def _begin(s, **extra) -> str:
    body = {
        "submission": s.submission,
        "kind": "recording",
        "size": len(DATA),
        "sha256": hashlib.sha256(DATA).hexdigest(),
        "name": "take.webm",
        **extra,
    }
    begun = s.client.post(s.url("uploads"), json=body, headers=JSON_HEADERS)
    assert begun.status_code == 201, begun.get_data(as_text=True)
    return begun.get_json()["id"]


def _put(s, upload_id: str, offset: int):
    return s.client.put(
        s.url(f"uploads/{upload_id}", offset=offset),
        data=DATA[offset : offset + CHUNK],
        content_type="application/octet-stream",
        headers=JSON_HEADERS,
    )


def _finish(s, upload_id: str):
    return s.client.post(
        s.url(f"uploads/{upload_id}/finish"),
        json={"type": "audio/webm"},
        headers=JSON_HEADERS,
    )


def _state(app, upload_id: str) -> tuple:
    with app.app_context():
        upload = db.session.get(Upload, upload_id)
        submission = db.session.get(Submission, upload.submission_id)
        return (
            upload.received,
            upload.status,
            len(db.session.scalars(db.select(UploadChunk)).all()),
            len(db.session.scalars(db.select(Artefact)).all()),
            submission.status,
            submission.takes_used,
        )


@pytest.fixture
def half_sent(app, learner):
    """Launch A began a ticketed take and sent its first chunk."""
    upload_id = _begin(learner, ticket=_ticket(learner))
    assert _put(learner, upload_id, 0).status_code == 200
    return upload_id


def test_expired_session_refuses_the_chunk_and_changes_nothing(
    app, learner, half_sent, monkeypatch, caplog
):
    before = _state(app, half_sent)
    files = stored_files(app)
    expire_launch_tokens(monkeypatch, app)

    with caplog.at_level(logging.WARNING, logger="pathmark"):
        refused = _put(learner, half_sent, CHUNK)
    assert refused.status_code == 401
    body = refused.get_json()
    assert body["error"] == "session_expired"
    assert "Your recording is kept on this device" in body["message"]
    assert "open the activity again from the course" in body["message"]
    logged = [r.getMessage() for r in caplog.records]
    assert any(
        "event=evidence.upload_refused" in m
        and "reason=session_expired" in m
        and f"upload={half_sent}" in m
        for m in logged
    ), logged
    assert learner.token not in " ".join(logged)

    assert _finish(learner, half_sent).status_code == 401
    assert _state(app, half_sent) == before
    assert stored_files(app) == files


def test_the_next_launch_of_the_same_learner_resumes_and_completes(
    app, platform, learner, half_sent, monkeypatch
):
    expire_launch_tokens(monkeypatch, app)
    assert _put(learner, half_sent, CHUNK).status_code == 401

    again = launch(app, platform)
    assert again.launch_id != learner.launch_id
    again.submission = learner.submission
    state = again.client.get(again.url(f"uploads/{half_sent}"), headers=JSON_HEADERS)
    assert state.status_code == 200
    offset = state.get_json()["received"]
    assert offset == CHUNK
    while offset < len(DATA):
        sent = _put(again, half_sent, offset)
        assert sent.status_code == 200, sent.get_data(as_text=True)
        offset = sent.get_json()["received"]
    done = _finish(again, half_sent)
    assert done.status_code == 200, done.get_data(as_text=True)
    artefact = done.get_json()["artefact"]
    assert artefact["sha256"] == hashlib.sha256(DATA).hexdigest()
    # The ticket was redeemed under launch A; the resumed take keeps its mode.
    assert artefact["capture_mode"] == "recorded"
    assert _state(app, half_sent)[1:] == ("done", 0, 1, "draft", 1)


@pytest.mark.parametrize(
    "who",
    [{"sub": "user-2"}, {"link": "link-2"}, {"context": "course-2"}],
    ids=["another-learner", "another-link", "another-course"],
)
def test_nobody_else_and_no_other_placement_can_resume_it(
    app, platform, learner, half_sent, monkeypatch, who
):
    expire_launch_tokens(monkeypatch, app)
    before = _state(app, half_sent)
    other = launch(app, platform, **who)
    assert (
        other.client.get(
            other.url(f"uploads/{half_sent}"), headers=JSON_HEADERS
        ).status_code
        == 404
    )
    assert _put(other, half_sent, CHUNK).status_code == 404
    assert _finish(other, half_sent).status_code == 404
    assert _state(app, half_sent) == before


def test_a_submitted_attempt_takes_no_more_chunks(app, learner, half_sent):
    # The learner handed in a file meanwhile and submitted the attempt.
    handed_in = rec.webm(100.0, frame_ms=500)
    posted = learner.post_file(learner.submission, handed_in, kind="upload")
    assert posted.status_code == 200, posted.get_data(as_text=True)
    assert learner.submit(learner.submission).status_code == 200
    before = _state(app, half_sent)
    refused = _put(learner, half_sent, CHUNK)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "submitted"
    assert _state(app, half_sent) == before
