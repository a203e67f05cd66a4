"""Capture mode "recorded" only for takes the server can vouch for.

The recorder's ticket must be valid, unused, and leave enough real time
for the take; otherwise the upload counts as "uploaded", with the reason
logged. Staff read the mode in words.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest

from lti_tool.db import db
from lti_tool.models import RecordingTicket
from tests import media_samples as media
from tests import recording_samples as rec
from tests.evidence_helpers import (
    JSON_HEADERS,
    expire_launch_tokens,
    launch,
    place_credential,
)

CHUNK = 65_536


@pytest.fixture
def learner(app, platform):
    app.config["UPLOAD_CHUNK_BYTES"] = CHUNK
    place_credential(app, max_bytes=2_000_000)
    session = launch(app, platform)
    session.submission = session.start()
    return session


def _ticket(s, submission=None):
    return s.client.post(
        s.url("recording-ticket", submission=submission or s.submission),
        headers=JSON_HEADERS,
    )


def _issued_ago(app, seconds: float) -> None:
    """Move every ticket's issue time back, as if the take took that long."""
    with app.app_context():
        for ticket in db.session.scalars(db.select(RecordingTicket)):
            ticket.issued_at -= timedelta(seconds=seconds)
        db.session.commit()


def _record(s, data: bytes, **announced) -> dict:
    """Begin, send and finish one take; the artefact as the server answers."""
    body = {
        "submission": s.submission,
        "kind": "recording",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        **announced,
    }
    begun = s.client.post(s.url("uploads"), json=body, headers=JSON_HEADERS)
    assert begun.status_code == 201, begun.get_data(as_text=True)
    upload = begun.get_json()["id"]
    for offset in range(0, len(data), CHUNK):
        sent = s.client.put(
            s.url(f"uploads/{upload}", offset=offset),
            data=data[offset : offset + CHUNK],
            content_type="application/octet-stream",
            headers=JSON_HEADERS,
        )
        assert sent.status_code == 200, sent.get_data(as_text=True)
    done = s.client.post(
        s.url(f"uploads/{upload}/finish"),
        json={"type": "audio/webm"},
        headers=JSON_HEADERS,
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    return done.get_json()["artefact"]


def _reasons(caplog) -> list[str]:
    return [
        m.split("reason=")[1].split()[0]
        for m in (r.getMessage() for r in caplog.records)
        if "event=evidence.capture_unvouched" in m
    ]


def test_a_valid_ticket_makes_the_take_recorded(app, learner, caplog):
    got = _ticket(learner)
    assert got.status_code == 201
    token = got.get_json()["ticket"]
    _issued_ago(app, 100)
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, rec.webm(95.0), ticket=token, duration=95.0)
    assert artefact["capture_mode"] == "recorded"
    assert _reasons(caplog) == []
    assert token not in caplog.text
    with app.app_context():
        [ticket] = db.session.scalars(db.select(RecordingTicket)).all()
        assert ticket.used_at is not None and ticket.token_sha256 != token
    page = learner.page().get_data(as_text=True)
    assert "recorded in Pathmark" in page


def test_without_a_ticket_the_take_is_uploaded(app, learner, caplog):
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, media.webm(50_000), duration=3.0)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["no_ticket"]


def test_a_reused_ticket_vouches_only_once(app, learner, caplog):
    token = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, 30)
    first = _record(learner, rec.webm(3.0), ticket=token, duration=3.0)
    assert first["capture_mode"] == "recorded"
    with caplog.at_level(logging.INFO, logger="pathmark"):
        second = _record(learner, rec.webm(2.0), ticket=token, duration=3.0)
    assert second["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["ticket_reused"]


def test_a_take_announced_longer_than_the_ticket_allows_is_uploaded(
    app, learner, caplog
):
    token = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, 20)
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, media.webm(50_000), ticket=token, duration=95.0)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["too_long_for_ticket"]


def test_a_file_longer_than_it_claimed_is_caught_at_finish(app, learner, caplog):
    # The browser claims 3 s; the file itself lasts 95 s, 20 s after the ticket.
    token = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, 20)
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, rec.webm(95.0), ticket=token, duration=3.0)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["too_long_for_ticket"]


def test_a_take_whose_length_cannot_be_read_is_not_vouched(app, learner, caplog):
    # Sent at once after the ticket, claiming no length: five minutes of
    # audio whose header says 5 s, so the file's length counts as unreadable.
    token = _ticket(learner).get_json()["ticket"]
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, rec.webm(300.0, declared=5.0), ticket=token)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["length_unknown"]


def test_an_old_ticket_no_longer_vouches(app, learner, caplog):
    token = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, app.config["RECORDING_TICKET_SECONDS"] + 1)
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, media.webm(50_000), ticket=token, duration=3.0)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["ticket_expired"]


def test_another_learners_ticket_does_not_vouch(app, platform, learner, caplog):
    other = launch(app, platform, sub="user-2")
    other.submission = other.start()
    token = _ticket(other).get_json()["ticket"]
    _issued_ago(app, 30)
    with caplog.at_level(logging.INFO, logger="pathmark"):
        artefact = _record(learner, media.webm(50_000), ticket=token, duration=3.0)
    assert artefact["capture_mode"] == "uploaded"
    assert _reasons(caplog) == ["ticket_unknown"]


def test_a_ticket_for_someone_elses_attempt_is_not_issued(app, platform, learner):
    other = launch(app, platform, sub="user-2")
    assert _ticket(other, submission=learner.submission).status_code == 404
    with app.app_context():
        assert db.session.scalars(db.select(RecordingTicket)).all() == []


def test_no_ticket_once_every_take_is_used(app, learner):
    for _ in range(2):
        learner.post_file(learner.submission, media.webm(20_000), duration="95")
    refused = _ticket(learner)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "no_takes_left"


def test_a_ticket_outlives_the_session_for_the_same_learners_draft(
    app, platform, learner, monkeypatch
):
    # Recorded under launch A; the session ended before the take was sent.
    token = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, 30)
    expire_launch_tokens(monkeypatch, app)
    again = launch(app, platform)
    again.submission = learner.submission
    artefact = _record(again, rec.webm(3.0), ticket=token, duration=3.0)
    assert artefact["capture_mode"] == "recorded"


def test_sweep_deletes_only_unused_tickets_past_their_lifetime(app, learner):
    from lti_tool.cli import main

    used = _ticket(learner).get_json()["ticket"]
    _issued_ago(app, 10)
    _record(learner, rec.webm(5.0), ticket=used, duration=5.0)
    _ticket(learner)  # unused, but still within its lifetime
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["evidence", "sweep"])
    assert "Removed 0 unused recording ticket(s)." in result.output
    _issued_ago(app, 3601)
    result = runner.invoke(main, ["evidence", "sweep"])
    assert result.exit_code == 0
    assert "Removed 1 unused recording ticket(s)." in result.output
    with app.app_context():
        [kept] = db.session.scalars(db.select(RecordingTicket)).all()
        assert kept.used_at is not None
