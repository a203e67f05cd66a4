"""Resumable uploads: chunks by offset, repeats, gaps, drops and verification."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from lti_tool import uploads
from lti_tool.db import db, utcnow
from lti_tool.models import Artefact, Submission, Upload, UploadChunk
from tests import media_samples as media
from tests import recording_samples as rec
from tests.evidence_helpers import (
    JSON_HEADERS,
    counts,
    launch,
    place_credential,
    stored_files,
)

CHUNK = 16_384
DATA = media.webm(50_000)


class ObjectsOnly:
    """The local store without in-place assembly, as an S3 bucket behaves:
    each chunk its own object, copied into the artefact on finish."""

    def __init__(self, inner):
        self.inner = inner
        self.root = inner.root

    def begin(self):
        return self.inner.begin()

    def read(self, key, start=0, end=None):
        return self.inner.read(key, start, end)

    def size(self, key):
        return self.inner.size(key)

    def delete(self, key):
        self.inner.delete(key)


@pytest.fixture(params=["in_place", "objects"])
def learner(request, app, platform):
    if request.param == "objects":
        store = app.extensions["pathmark.store"]
        app.extensions["pathmark.store"] = ObjectsOnly(store)
    app.config["UPLOAD_CHUNK_BYTES"] = CHUNK
    place_credential(app, max_bytes=200_000)
    session = launch(app, platform)
    session.submission = session.start()
    return session


def artefact_files(app) -> list:
    """Stored artefacts, leaving out the files open uploads are built in."""
    return [p for p in stored_files(app) if "uploads" not in p.parts]


def _begin(s, data=DATA, **extra):
    body = {
        "submission": s.submission,
        "kind": "recording",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "name": "take.webm",
        "duration": 100.0,
        **extra,
    }
    return s.client.post(s.url("uploads"), json=body, headers=JSON_HEADERS)


def _put(s, upload_id, offset, data):
    return s.client.put(
        s.url(f"uploads/{upload_id}", offset=offset),
        data=data,
        content_type="application/octet-stream",
        headers=JSON_HEADERS,
    )


def _finish(s, upload_id):
    return s.client.post(
        s.url(f"uploads/{upload_id}/finish"),
        json={"type": "audio/webm"},
        headers=JSON_HEADERS,
    )


def _send_all(s, upload_id, data=DATA):
    for offset in range(0, len(data), CHUNK):
        assert (
            _put(s, upload_id, offset, data[offset : offset + CHUNK]).status_code == 200
        )


def test_chunks_then_finish_make_one_verified_artefact(app, learner):
    started = _begin(learner)
    assert started.status_code == 201
    upload_id = started.get_json()["id"]
    assert started.get_json()["chunk_bytes"] == CHUNK
    _send_all(learner, upload_id)
    done = _finish(learner, upload_id)
    assert done.status_code == 200, done.get_data(as_text=True)
    artefact = done.get_json()["artefact"]
    assert artefact["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert artefact["capture_mode"] == "uploaded"  # no recording ticket
    assert [p.name for p in stored_files(app)] == [artefact["sha256"]]
    with app.app_context():
        assert db.session.scalars(db.select(UploadChunk)).all() == []
        assert db.session.get(Upload, upload_id).status == "done"


def test_repeated_chunk_is_harmless_and_a_clash_is_refused(app, learner, caplog):
    upload_id = _begin(learner).get_json()["id"]
    first = DATA[:CHUNK]
    assert _put(learner, upload_id, 0, first).get_json()["received"] == CHUNK
    again = _put(learner, upload_id, 0, first)
    assert again.status_code == 200 and again.get_json()["received"] == CHUNK
    clash = _put(learner, upload_id, 0, b"x" * CHUNK)
    assert f"upload={upload_id} reason=clash" in caplog.text
    assert clash.status_code == 409
    assert clash.get_json() == {
        **clash.get_json(),
        "error": "chunk_clash",
        "received": CHUNK,
    }


def test_chunk_out_of_order_says_where_to_resume(app, learner, caplog):
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    gap = _put(learner, upload_id, 2 * CHUNK, DATA[2 * CHUNK : 3 * CHUNK])
    assert gap.status_code == 409
    assert gap.get_json()["error"] == "out_of_order"
    assert gap.get_json()["received"] == CHUNK
    assert f"event=evidence.chunk_refused upload={upload_id} reason=gap" in (
        caplog.text
    )
    with app.app_context():
        assert len(db.session.scalars(db.select(UploadChunk)).all()) == 1


def test_dropped_connection_resumes_from_a_new_launch(app, platform, learner):
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    # The session ends mid-upload; the learner opens the activity again.
    app.extensions["pathmark"].tokens.max_age = -1
    assert _put(learner, upload_id, CHUNK, DATA[CHUNK : 2 * CHUNK]).status_code == 401
    app.extensions["pathmark"].tokens.max_age = 7200
    again = launch(app, platform)
    again.submission = learner.submission
    state = again.client.get(again.url(f"uploads/{upload_id}"), headers=JSON_HEADERS)
    assert state.get_json()["received"] == CHUNK
    for offset in range(CHUNK, len(DATA), CHUNK):
        assert (
            _put(again, upload_id, offset, DATA[offset : offset + CHUNK]).status_code
            == 200
        )
    assert _finish(again, upload_id).status_code == 200
    assert counts(app)[0] == 1


def test_finish_before_everything_arrived_is_refused(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    early = _finish(learner, upload_id)
    assert early.status_code == 409
    assert early.get_json()["error"] == "incomplete"
    assert early.get_json()["received"] == CHUNK
    assert counts(app)[0] == 0


def test_digest_mismatch_keeps_no_artefact_and_no_chunks(app, learner):
    upload_id = _begin(learner, sha256="ab" * 32).get_json()["id"]
    _send_all(learner, upload_id)
    refused = _finish(learner, upload_id)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "digest_mismatch"
    assert counts(app)[0] == 0
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.get(Upload, upload_id).status == "failed"
    assert _put(learner, upload_id, 0, DATA[:CHUNK]).status_code == 409


def _draft_untouched(app, learner) -> None:
    """The refusal left no artefact, no chunk and a draft as it was."""
    assert artefact_files(app) == []
    with app.app_context():
        assert db.session.scalars(db.select(Artefact)).all() == []
        assert db.session.scalars(db.select(UploadChunk)).all() == []
        submission = db.session.get(Submission, learner.submission)
        assert submission.status == "draft"


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"MZ" + bytes(40_000), 415, "executable"),
        (media.pdf() + bytes(40_000), 415, "wrong_type"),
        (media.webm()[:300] + b"%PDF-1.5" + bytes(40_000), 415, "polyglot"),
        (rec.webm(40.0)[:-300], 400, "truncated"),
    ],
    ids=["renamed-executable", "wrong-type", "polyglot", "truncated-recording"],
)
def test_bad_content_is_refused_on_finish(app, learner, caplog, data, status, code):
    upload_id = _begin(learner, data=data).get_json()["id"]
    _send_all(learner, upload_id, data)
    refused = _finish(learner, upload_id)
    assert refused.status_code == status
    assert refused.get_json()["error"] == code
    assert refused.get_json()["message"]
    _draft_untouched(app, learner)
    with app.app_context():
        assert db.session.get(Upload, upload_id).failure == code
    assert f"reason={code}" in caplog.text
    # The upload is over: resending does not revive it.
    assert _put(learner, upload_id, 0, data[:CHUNK]).status_code == 409


def test_an_empty_chunk_is_refused(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    empty = _put(learner, upload_id, 0, b"")
    assert empty.status_code == 400
    assert empty.get_json()["error"] == "empty_chunk"
    state = learner.client.get(
        learner.url(f"uploads/{upload_id}"), headers=JSON_HEADERS
    )
    assert state.get_json()["received"] == 0
    _draft_untouched(app, learner)


def test_a_chunk_over_the_chunk_size_is_refused(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    big = _put(learner, upload_id, 0, DATA[: CHUNK + 1])
    assert big.status_code == 413
    assert big.get_json()["error"] == "chunk_too_large"
    _draft_untouched(app, learner)
    # The right size at the same offset is then taken.
    assert _put(learner, upload_id, 0, DATA[:CHUNK]).status_code == 200


def test_an_upload_cannot_start_on_another_learners_draft(app, platform, learner):
    other = launch(app, platform, sub="user-2")
    other.submission = learner.submission
    refused = _begin(other)
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.scalars(db.select(Upload)).all() == []
    _draft_untouched(app, learner)


def test_a_zero_byte_announcement_keeps_nothing(app, learner):
    refused = _begin(learner, data=b"")
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "empty"
    with app.app_context():
        assert db.session.scalars(db.select(Upload)).all() == []
    assert stored_files(app) == []


def test_chunk_larger_than_announced_or_allowed(app, learner):
    upload_id = _begin(learner, data=DATA[:1000]).get_json()["id"]
    too_much = _put(learner, upload_id, 0, DATA[:2000])
    assert too_much.status_code == 413
    assert artefact_files(app) == []
    state = learner.client.get(
        learner.url(f"uploads/{upload_id}"), headers=JSON_HEADERS
    )
    assert state.get_json()["received"] == 0


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"size": 300_000}, 413, "too_large"),
        ({"size": 0}, 400, "empty"),
        ({"sha256": "nothex"}, 400, "bad_digest"),
        ({"kind": "text"}, 409, "kind_not_allowed"),
        ({"sha256": 5}, 400, "bad_digest"),
        ({"sha256": ["ab"]}, 400, "bad_digest"),
        ({"size": True}, 400, "no_size"),
        ({"size": "300"}, 400, "no_size"),
        ({"submission": True}, 400, "no_attempt"),
        ({"kind": 7}, 409, "kind_not_allowed"),
    ],
)
def test_bad_announcements(app, learner, changes, status, code):
    response = _begin(learner, **changes)
    assert response.status_code == status
    assert response.get_json()["error"] == code


def test_another_learner_cannot_touch_an_upload(app, platform, learner):
    upload_id = _begin(learner).get_json()["id"]
    other = launch(app, platform, sub="user-2")
    assert _put(other, upload_id, 0, DATA[:CHUNK]).status_code == 404
    assert (
        other.client.get(
            other.url(f"uploads/{upload_id}"), headers=JSON_HEADERS
        ).status_code
        == 404
    )
    assert _finish(other, upload_id).status_code == 404


def test_sweep_removes_abandoned_chunks(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    assert len(stored_files(app)) == 1
    with app.app_context():
        store = app.extensions["pathmark.store"]
        assert uploads.sweep(store, timedelta(hours=1)) == 0
        assert (
            uploads.sweep(store, timedelta(hours=1), utcnow() + timedelta(hours=2)) == 1
        )
        db.session.commit()
    assert stored_files(app) == []


def test_an_announcement_that_is_not_an_object_is_refused(app, learner):
    response = learner.client.post(
        learner.url("uploads"), json=[1, 2], headers=JSON_HEADERS
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_a_take_finished_after_the_last_allowed_one_keeps_nothing(app, learner):
    # Two takes are allowed; three were begun while none was used yet (a
    # take kept on the device from an ended session, then two new ones).
    takes = [DATA, media.webm(40_000), media.webm(45_000)]
    ids = [_begin(learner, data).get_json()["id"] for data in takes]
    for upload_id, data in zip(ids, takes, strict=True):
        _send_all(learner, upload_id, data)
    assert _finish(learner, ids[0]).status_code == 200
    assert _finish(learner, ids[1]).status_code == 200
    refused = _finish(learner, ids[2])
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "no_takes_left"
    kept = {hashlib.sha256(data).hexdigest() for data in takes[:2]}
    assert {p.name for p in stored_files(app)} == kept
    with app.app_context():
        upload = db.session.get(Upload, ids[2])
        assert (upload.status, upload.failure) == ("failed", "no_takes_left")
        assert db.session.scalars(db.select(UploadChunk)).all() == []
    # Asked again, it says the upload is over instead of "wait a moment".
    assert _finish(learner, ids[2]).get_json()["error"] == "upload_closed"
