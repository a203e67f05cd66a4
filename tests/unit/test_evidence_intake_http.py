"""Handing in files over HTTP: accepted ones kept, refused ones leave nothing."""

from __future__ import annotations

import hashlib

import pytest

from lti_tool.db import db
from lti_tool.models import Artefact
from tests import media_samples as media
from tests import recording_samples as rec
from tests.evidence_helpers import counts, launch, place_credential, stored_files


@pytest.fixture
def learner(app, platform):
    place_credential(app, max_bytes=100_000, takes=2)
    return launch(app, platform)


def test_first_visit_explains_then_start_opens_a_draft(app, learner):
    html = learner.page().get_data(as_text=True)
    assert "Welcome: here is how this works" in html
    assert "only you, and the mentors and moderators of this course" in html
    assert "Start" in html
    submission = learner.start()
    html = learner.page().get_data(as_text=True)
    assert "Attempt 1: your draft" in html
    assert 'id="rec-start"' in html and 'name="own_work"' in html
    assert learner.start() == submission  # a second start reuses the draft


def test_raw_recording_is_stored_by_digest(app, learner):
    submission = learner.start()
    data = media.webm(30_000)
    response = learner.post_file(
        submission, data, name="../../etc/take.webm", duration="95.5"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()["artefact"]
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["media_type"] == "audio/webm"
    # Posted without a recording ticket: the server cannot vouch for it.
    assert body["capture_mode"] == "uploaded"
    assert body["name"] == "take.webm"
    assert [p.name for p in stored_files(app)] == [body["sha256"]]
    with app.app_context():
        row = db.session.get(Artefact, body["id"])
        # Filler after a WebM header names no length: only the hint is kept.
        assert row.duration_seconds is None
        assert row.duration_hint_seconds == 95.5
        assert row.received_at is not None and row.size == len(data)


def test_form_upload_without_script_redirects_back(app, learner):
    submission = learner.start()
    response = learner.client.post(
        learner.url("files"),
        data={
            "submission": str(submission),
            "kind": "upload",
            "caption": "My story",
            "file": (__import__("io").BytesIO(media.webm()), "story.webm"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert counts(app)[0] == 1
    assert "story.webm" in learner.page().get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (media.webm(100_001), "audio/webm", 413, "too_large"),
        (b"", "audio/webm", 400, "empty"),
        (media.pdf(), "audio/webm", 415, "wrong_type"),
        (b"MZ" + bytes(9000), "audio/webm", 415, "executable"),
        (media.png() + media.zip_tail(), "audio/webm", 415, "wrong_type"),
        (media.webm()[:300] + b"%PDF-1.5" + bytes(200), "audio/webm", 415, "polyglot"),
        (rec.webm(20.0)[:-300], "audio/webm", 400, "truncated"),
    ],
)
def test_refused_files_leave_nothing(app, learner, data, content_type, status, code):
    submission = learner.start()
    response = learner.post_file(submission, data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]
    assert counts(app) == (0, 1)
    assert stored_files(app) == []


def test_oversized_file_gets_a_page_the_iframe_can_show(app, learner):
    submission = learner.start()
    response = learner.client.post(
        learner.url("files", submission=submission, kind="recording"),
        data=media.webm(200_000),
        content_type="audio/webm",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Your evidence was not saved" in html
    assert "larger than this activity allows (100 kB)" in html
    assert stored_files(app) == []


def test_oversized_form_upload_is_refused(app, learner):
    submission = learner.start()
    response = learner.client.post(
        learner.url("files"),
        data={
            "submission": str(submission),
            "kind": "upload",
            "file": (__import__("io").BytesIO(media.webm(300_000)), "big.webm"),
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert counts(app) == (0, 1)
    assert stored_files(app) == []


def test_expired_session_mid_upload_keeps_nothing(app, learner):
    submission = learner.start()
    app.extensions["pathmark"].tokens.max_age = -1
    response = learner.post_file(submission, media.webm())
    assert response.status_code == 401
    assert response.get_json()["error"] == "session_expired"
    assert counts(app) == (0, 1)
    assert stored_files(app) == []


def test_takes_are_limited_and_only_the_last_counts(app, learner):
    submission = learner.start()
    first = learner.post_file(submission, media.webm(20_000)).get_json()["artefact"]
    second = learner.post_file(submission, media.webm(21_000)).get_json()["artefact"]
    third = learner.post_file(submission, media.webm(22_000))
    assert third.status_code == 409
    assert third.get_json()["error"] == "no_takes_left"
    with app.app_context():
        assert db.session.get(Artefact, first["id"]).withdrawn_at is not None
        assert db.session.get(Artefact, second["id"]).withdrawn_at is None
    assert len(stored_files(app)) == 2


def test_text_and_link_evidence(app, platform):
    place_credential(app, kinds=["text", "link"], min_words=None)
    learner = launch(app, platform)
    submission = learner.start()
    html = learner.page().get_data(as_text=True)
    assert 'id="text-body"' in html and 'id="link-url"' in html
    assert 'id="rec-start"' not in html
    headers = {"X-Requested-With": "pathmark"}
    text = learner.client.post(
        learner.url("text"),
        data={"submission": submission, "text": "Dear Ms Patel,\r\nI write…"},
        headers=headers,
    ).get_json()["artefact"]
    assert text["media_type"] == "text/plain" and text["capture_mode"] == "typed"
    bad = learner.client.post(
        learner.url("link"),
        data={"submission": submission, "url": "javascript:alert(1)"},
        headers=headers,
    )
    assert bad.status_code == 400
    good = learner.client.post(
        learner.url("link"),
        data={"submission": submission, "url": "https://example.org/my-blog"},
        headers=headers,
    ).get_json()["artefact"]
    assert good["media_type"] == "text/uri-list"
    refused = learner.post_file(submission, media.webm())
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "kind_not_allowed"


def test_prompt_is_revealed_on_request(app, learner):
    html = learner.page().get_data(as_text=True)
    assert "a day that did not go to plan" not in html
    submission = learner.start()
    html = learner.page().get_data(as_text=True)
    assert "a day that did not go to plan" not in html
    response = learner.client.post(
        learner.url("prompt"), data={"submission": submission}
    )
    assert "a day that did not go to plan" in response.get_json()["prompt"]


def test_refusal_page_links_back_to_the_activity(app, learner):
    submission = learner.start()
    response = learner.client.post(
        learner.url("files", submission=submission, kind="recording"),
        data=media.pdf(),
        content_type="application/pdf",
    )
    assert response.status_code == 415
    html = response.get_data(as_text=True)
    assert "This activity does not take PDF files." in html
    assert f"/activity/{learner.launch_id}?lt={learner.token}" in html


def test_learner_removes_a_piece_from_the_draft(app, learner):
    submission = learner.start()
    artefact = learner.post_file(submission, media.webm()).get_json()["artefact"]
    response = learner.client.post(
        learner.url("withdraw"),
        data={"submission": submission, "artefact": artefact["id"]},
    )
    assert response.status_code == 303
    assert "No evidence yet." in learner.page().get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Artefact, artefact["id"]).withdrawn_at is not None


def test_group_recording_consent_is_recorded(app, learner):
    from lti_tool.models import ParticipantConsent

    submission = learner.start()
    blank = learner.client.post(
        learner.url("consent"),
        data={"submission": submission, "participant": "  "},
        headers={"Accept": "application/json"},
    )
    assert blank.status_code == 400
    learner.client.post(
        learner.url("consent"),
        data={"submission": submission, "participant": "Bo  Chen"},
    )
    with app.app_context():
        [row] = db.session.scalars(db.select(ParticipantConsent)).all()
        assert row.participant == "Bo Chen" and row.submission_id == submission


def test_sweep_command(app, learner):
    from lti_tool.cli import main

    result = app.test_cli_runner().invoke(main, ["evidence", "sweep"])
    assert result.exit_code == 0
    assert "Removed 0 abandoned upload(s)." in result.output


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("one two three", 400, "too_few_words"),
        (" ".join(["w"] * 12), 400, "too_many_words"),
        (" ".join(["w"] * 7), 200, None),
    ],
)
def test_word_limits_for_typed_text(app, platform, text, status, code):
    place_credential(app, kinds=["text"], min_words=5, max_words=10)
    learner = launch(app, platform)
    submission = learner.start()
    response = learner.client.post(
        learner.url("text"),
        data={"submission": submission, "text": text},
        headers={"Accept": "application/json", "X-Requested-With": "pathmark"},
    )
    assert response.status_code == status
    if code:
        assert response.get_json()["error"] == code
        assert counts(app)[0] == 0


def test_refusals_log_a_reason_without_content(app, learner, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="pathmark")
    submission = learner.start()
    learner.post_file(submission, b"MZ" + b"secret-bytes" * 1000)
    line = next(
        r.getMessage() for r in caplog.records if "intake_refused" in r.getMessage()
    )
    assert "reason=executable" in line and "status=415" in line
    assert "secret-bytes" not in caplog.text
    assert learner.token not in caplog.text


@pytest.mark.parametrize(
    ("evidence", "hand_in", "before_submit"),
    [
        (
            {"kinds": ["recording"], "media_types": ["audio/webm"]},
            "an audio recording made here",
            "You can record again",
        ),
        (
            {"kinds": ["recording"], "media_types": ["video/webm"]},
            "a video recording made here",
            "You can record again",
        ),
        (
            {"kinds": ["text"], "media_types": []},
            "a typed text",
            "You can change or remove what you added",
        ),
    ],
)
def test_the_welcome_names_only_what_this_task_takes(
    app, platform, evidence, hand_in, before_submit
):
    place_credential(app, **evidence)
    html = launch(app, platform).page().get_data(as_text=True)
    welcome = html.split('class="panel welcome"')[1].split("</section>")[0]
    assert hand_in in welcome and before_submit in welcome
    assert "audio or video" not in welcome
