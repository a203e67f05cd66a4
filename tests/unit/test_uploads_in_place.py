"""Resumable uploads assembled in one file by the local store.

Each chunk is written at its offset into the upload's file; finishing seals
the file (no writer may touch it afterwards), verifies it by reading it once
and renames it to its artefact key.
"""

from __future__ import annotations

import fcntl
import hashlib
import os

import pytest

from lti_tool.db import db
from lti_tool.models import Upload
from lti_tool.storage import StorageBusy
from lti_tool.storage import local as local_store
from tests import media_samples as media
from tests.evidence_helpers import JSON_HEADERS, counts, launch, place_credential
from tests.unit.test_uploads_resumable import CHUNK, DATA, _begin, _finish, _put

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def learner(app, platform):
    app.config["UPLOAD_CHUNK_BYTES"] = CHUNK
    place_credential(app, max_bytes=200_000)
    session = launch(app, platform)
    session.submission = session.start()
    return session


def _store(app):
    return app.extensions["pathmark.store"]


def _whole(app, upload_id):
    return _store(app).root / "uploads" / upload_id / "whole"


def _send(learner, upload_id, data=DATA):
    for offset in range(0, len(data), CHUNK):
        sent = _put(learner, upload_id, offset, data[offset : offset + CHUNK])
        assert sent.status_code == 200


def test_the_finished_file_is_renamed_not_copied(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    inode = os.stat(_whole(app, upload_id)).st_ino
    done = _finish(learner, upload_id)
    assert done.status_code == 200, done.get_data(as_text=True)
    digest = done.get_json()["artefact"]["sha256"]
    artefact = _store(app).path(f"sha256/{digest[:2]}/{digest}")
    assert os.stat(artefact).st_ino == inode
    assert artefact.read_bytes() == DATA
    left = _store(app).root / "uploads" / upload_id
    assert [p for p in left.rglob("*") if p.is_file()] == []


def _overwrite(app, upload_id, offset, data):
    """What a request that lost the race for ``offset`` may leave behind."""
    with open(_whole(app, upload_id), "r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def test_a_losing_writer_is_caught_by_the_chunk_digests(app, learner):
    # No digest announced: each chunk's own digest is the check.
    upload_id = _begin(learner, sha256=None).get_json()["id"]
    _send(learner, upload_id)
    _overwrite(app, upload_id, CHUNK + 5, b"other bytes")
    refused = _finish(learner, upload_id)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "chunk_clash"
    assert counts(app)[0] == 0
    assert not any(_store(app).root.joinpath("sha256").rglob("*"))
    with app.app_context():
        assert db.session.get(Upload, upload_id).status == "failed"


def test_a_losing_writer_is_caught_by_the_announced_digest(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    _overwrite(app, upload_id, len(DATA) - 3, b"xyz")
    refused = _finish(learner, upload_id)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "digest_mismatch"
    assert counts(app)[0] == 0


def test_finish_waits_for_a_writer_then_says_busy(app, learner, monkeypatch):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    monkeypatch.setattr(_store(app), "seal_wait", 0.1)
    writer = _store(app).write_part(f"uploads/{upload_id}/whole", 0)
    try:
        busy = _finish(learner, upload_id)
    finally:
        writer.abort()
    assert busy.status_code == 409
    assert busy.get_json()["error"] == "busy"
    assert "finish again in a moment" in busy.get_json()["message"]
    # The writer is gone: the same request now goes through.
    assert _finish(learner, upload_id).status_code == 200


def test_no_writer_gets_in_after_the_seal(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    store = _store(app)
    key = f"uploads/{upload_id}/whole"
    store.seal(key, f"uploads/{upload_id}/sealed")
    with pytest.raises(StorageBusy):
        store.write_part(key, 0)


def test_a_writer_that_opened_before_the_seal_backs_off(app, learner, monkeypatch):
    upload_id = _begin(learner).get_json()["id"]
    store = _store(app)
    key = f"uploads/{upload_id}/whole"
    real_flock = fcntl.flock

    def seal_first(fd, operation):
        # The seal lands between this writer's open and its lock.
        monkeypatch.setattr(local_store.fcntl, "flock", real_flock)
        store.seal(key, f"uploads/{upload_id}/sealed")
        real_flock(fd, operation)

    monkeypatch.setattr(local_store.fcntl, "flock", seal_first)
    with pytest.raises(StorageBusy):
        store.write_part(key, 0)
    sealed = store.root / "uploads" / upload_id / "sealed"
    assert sealed.read_bytes() == b""


def test_a_chunk_after_finishing_is_refused(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    assert _finish(learner, upload_id).status_code == 200
    late = _put(learner, upload_id, 0, DATA[:CHUNK])
    assert late.status_code == 409
    assert late.get_json()["error"] == "upload_closed"


def test_bytes_past_what_was_accepted_are_overwritten(app, learner):
    # A chunk cut off half-way leaves bytes the next try writes over.
    data = media.webm(3 * CHUNK)
    upload_id = _begin(learner, data=data).get_json()["id"]
    _overwrite(app, upload_id, 0, b"\0" * (CHUNK + 100))
    _send(learner, upload_id, data)
    done = _finish(learner, upload_id)
    assert done.status_code == 200
    assert done.get_json()["artefact"]["sha256"] == hashlib.sha256(data).hexdigest()
    state = learner.client.get(
        learner.url(f"uploads/{upload_id}"), headers=JSON_HEADERS
    )
    assert state.get_json()["status"] == "done"


def test_an_upload_begun_as_chunk_objects_finishes_that_way(app, learner):
    from tests.unit.test_uploads_resumable import ObjectsOnly

    store = _store(app)
    app.extensions["pathmark.store"] = ObjectsOnly(store)
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    # The store gains in-place assembly while the upload is open.
    app.extensions["pathmark.store"] = store
    _send(learner, upload_id, DATA)
    done = _finish(learner, upload_id)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["artefact"]["sha256"] == hashlib.sha256(DATA).hexdigest()


def test_a_second_finish_after_the_seal_is_told_to_wait(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    _store(app).seal(f"uploads/{upload_id}/whole", f"uploads/{upload_id}/sealed")
    again = _finish(learner, upload_id)
    assert again.status_code == 409
    assert again.get_json()["error"] == "busy"


def _chunk_digests(app, upload_id):
    from lti_tool.models import UploadChunk

    with app.app_context():
        rows = db.session.scalars(
            db.select(UploadChunk).where(UploadChunk.upload_id == upload_id)
        ).all()
        return [row.sha256 for row in rows]


def test_chunks_are_hashed_only_without_an_announced_digest(app, learner):
    announced = _begin(learner).get_json()["id"]
    _put(learner, announced, 0, DATA[:CHUNK])
    assert _chunk_digests(app, announced) == [""]
    bare = _begin(learner, sha256=None).get_json()["id"]
    _put(learner, bare, 0, DATA[:CHUNK])
    assert _chunk_digests(app, bare) == [hashlib.sha256(DATA[:CHUNK]).hexdigest()]


@pytest.mark.parametrize(
    "again",
    [DATA[: CHUNK - 1], DATA[: CHUNK + 1], DATA[1 : CHUNK + 1]],
    ids=["shorter", "longer", "shifted"],
)
def test_a_repeat_is_compared_with_the_file(app, learner, again):
    upload_id = _begin(learner).get_json()["id"]
    _put(learner, upload_id, 0, DATA[:CHUNK])
    _put(learner, upload_id, CHUNK, DATA[CHUNK : 2 * CHUNK])
    same = _put(learner, upload_id, 0, DATA[:CHUNK])
    assert same.status_code == 200
    clash = _put(learner, upload_id, 0, again)
    assert clash.status_code == 409
    assert clash.get_json()["error"] == "chunk_clash"
    assert clash.get_json()["received"] == 2 * CHUNK


def test_a_repeat_while_finishing_is_told_the_upload_is_closed(app, learner):
    upload_id = _begin(learner).get_json()["id"]
    _send(learner, upload_id)
    _store(app).seal(f"uploads/{upload_id}/whole", f"uploads/{upload_id}/sealed")
    late = _put(learner, upload_id, 0, DATA[:CHUNK])
    assert late.status_code == 409
    assert late.get_json()["error"] == "upload_closed"
