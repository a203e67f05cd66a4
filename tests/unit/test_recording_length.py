"""The credential's length limits hold against the file, not the browser."""

from __future__ import annotations

import hashlib

import pytest

from lti_tool.db import db
from lti_tool.models import Artefact
from tests import media_samples
from tests import recording_samples as rec
from tests.evidence_helpers import JSON_HEADERS, launch, place_credential


@pytest.fixture
def learner(app, platform):
    # The factory's credential: 90 to 150 seconds of audio/webm.
    place_credential(app)
    return launch(app, platform)


def _take(learner, data: bytes, browser_says: str) -> int:
    submission = learner.start()
    response = learner.post_file(submission, data, duration=browser_says)
    assert response.status_code == 200, response.get_data(as_text=True)
    return submission


def test_a_long_file_is_refused_whatever_the_browser_says(app, learner):
    submission = _take(learner, rec.webm(200.0), browser_says="100")
    response = learner.submit(submission)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "too_long"
    assert body["message"] == (
        "The recording lasts 200 s (measured from the file); this task "
        "allows at most 150 s. Record a shorter take."
    )
    with app.app_context():
        (row,) = db.session.scalars(db.select(Artefact)).all()
        assert (row.duration_seconds, row.duration_hint_seconds) == (200.0, 100.0)
        assert row.submission.status == "draft"


def test_the_file_wins_over_a_wrong_browser_figure(app, learner):
    submission = _take(learner, rec.webm(120.0), browser_says="20")
    assert "audio/webm · " in learner.page().get_data(as_text=True)
    assert " · 120.0 s</span>" in learner.page().get_data(as_text=True)
    assert learner.submit(submission).status_code == 200


def test_a_short_file_is_refused(app, learner):
    submission = _take(learner, rec.webm(30.0), browser_says="120")
    response = learner.submit(submission)
    assert response.get_json()["error"] == "too_short"
    assert "30 s (measured from the file)" in response.get_json()["message"]


def test_without_a_readable_length_a_limited_task_refuses_the_take(app, learner):
    # The browser's figure is within limits; it alone never accepts a take.
    submission = _take(learner, media_samples.webm(), browser_says="120")
    response = learner.submit(submission)
    assert response.status_code == 400
    assert response.get_json()["error"] == "length_unknown"
    assert "cannot be read from the file" in response.get_json()["message"]
    draft = learner.page().get_data(as_text=True)
    assert "about 120 s (your browser's timing)" in draft


def test_an_mp3_take_with_limits_is_refused_not_passed(app, learner):
    submission = learner.start()
    data = b"\xff\xfb\x90\x00" + bytes(5000)
    sent = learner.post_file(
        submission, data, kind="upload", content_type="audio/mpeg", duration="120"
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    response = learner.submit(submission)
    assert response.get_json()["error"] == "length_unknown"


def test_an_uploaded_long_file_meets_the_recording_limits(app, learner):
    submission = learner.start()
    sent = learner.post_file(submission, rec.webm(200.0), kind="upload")
    assert sent.status_code == 200, sent.get_data(as_text=True)
    response = learner.submit(submission)
    assert response.get_json()["error"] == "too_long"


def test_a_resumable_upload_is_measured_once_assembled(app, learner):
    app.config["UPLOAD_CHUNK_BYTES"] = 65_536
    data = rec.webm(100.0)
    submission = learner.start()
    begun = learner.client.post(
        learner.url("uploads"),
        json={
            "submission": submission,
            "kind": "recording",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "duration": 3.0,
        },
        headers=JSON_HEADERS,
    )
    upload = begun.get_json()["id"]
    for offset in range(0, len(data), 65_536):
        sent = learner.client.put(
            learner.url(f"uploads/{upload}", offset=offset),
            data=data[offset : offset + 65_536],
            content_type="application/octet-stream",
            headers=JSON_HEADERS,
        )
        assert sent.status_code == 200
    done = learner.client.post(
        learner.url(f"uploads/{upload}/finish"),
        json={"type": "audio/webm"},
        headers=JSON_HEADERS,
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Artefact, done.get_json()["artefact"]["id"])
        assert (row.duration_seconds, row.duration_hint_seconds) == (100.0, 3.0)
    assert learner.submit(submission).status_code == 200


@pytest.mark.parametrize(("length", "code"), [(120.0, None), (200.0, "too_long")])
def test_an_uploaded_mp3_is_measured_frame_by_frame(app, learner, length, code):
    submission = learner.start()
    sent = learner.post_file(
        submission, rec.mp3(length), kind="upload", content_type="audio/mpeg"
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    response = learner.submit(submission)
    if code is None:
        assert response.status_code == 200
    else:
        assert response.get_json()["error"] == code
