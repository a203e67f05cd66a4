"""Evidence intake over a real socket: streaming, a dropped client, S3 storage."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time

import pytest
from werkzeug.serving import make_server

from lti_tool.db import db
from lti_tool.models import Artefact
from lti_tool.receipt_views import check_receipt
from tests import media_samples as media
from tests import recording_samples as rec
from tests import s3_server
from tests.evidence_helpers import launch, place_credential

pytestmark = pytest.mark.http
s3_endpoint = s3_server.s3_endpoint
s3_bucket = s3_server.s3_bucket


@pytest.fixture
def settings(settings, request):
    if "s3_bucket" in request.fixturenames:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        return {
            **settings,
            "storage": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_region": "us-east-1",
        }
    return settings


@pytest.fixture
def server(app):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def learner(app, platform):
    place_credential(app, max_bytes=50_000_000, kinds=["recording", "upload"])
    session = launch(app, platform)
    session.submission = session.start()
    return session


def _post(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", "audio/webm")
    conn.putheader("Content-Length", str(len(body)))
    conn.putheader("Accept", "application/json")
    conn.endheaders()
    for start in range(0, len(body), 65536):
        conn.send(body[start : start + 65536])
    response = conn.getresponse()
    status, data = response.status, response.read()
    conn.close()
    return status, data


def _artefacts(app) -> list[Artefact]:
    with app.app_context():
        return db.session.scalars(db.select(Artefact)).all()


def test_large_upload_streams_over_http(app, server, learner):
    body = media.webm(5_000_000)
    status, data = _post(
        server,
        learner.url(
            "files", submission=learner.submission, kind="upload", name="talk.webm"
        ),
        body,
    )
    assert status == 200, data
    [row] = _artefacts(app)
    assert row.size == len(body)


def test_client_that_drops_mid_upload_leaves_nothing(app, server, learner, caplog):
    caplog.set_level(logging.INFO, logger="pathmark")
    path = learner.url("files", submission=learner.submission, kind="upload")
    sock = socket.create_connection(("127.0.0.1", server))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: audio/webm\r\n"
        "Content-Length: 3000000\r\nAccept: application/json\r\n\r\n"
    )
    sock.sendall(head.encode() + media.webm(1_000_000))
    sock.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if "reason=truncated" in caplog.text:
            break
        time.sleep(0.05)
    assert "event=evidence.intake_refused reason=truncated" in caplog.text
    assert _artefacts(app) == []
    root = app.extensions["pathmark.store"].root
    assert [p for p in root.rglob("*") if p.is_file()] == []


def test_s3_storage_end_to_end(app, server, learner, s3_bucket):
    store = app.extensions["pathmark.store"]
    assert store.bucket == s3_bucket
    take = rec.webm(100.0)
    # A Void element pads the take past one multipart part of the store.
    body = take + rec.element(0xEC, bytes(9_000_000 - len(take) - 5))
    assert len(body) == 9_000_000
    status, data = _post(
        server,
        learner.url(
            "files", submission=learner.submission, kind="recording", duration=100
        ),
        body,
    )
    assert status == 200, data
    response = learner.submit(learner.submission)
    receipt = response.get_json()["receipt"]
    with app.app_context():
        result = check_receipt(receipt)
    assert result["valid"] and result["all_match"]
    [row] = _artefacts(app)
    ranged = learner.client.get(
        f"/evidence/{learner.launch_id}/artefacts/{row.id}?lt={learner.token}",
        headers={"Range": "bytes=8999990-"},
    )
    assert ranged.status_code == 206 and ranged.data == body[-10:]
    listed = store.client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"pathmark/{row.storage_key}"]


def test_s3_refused_upload_leaves_nothing(app, server, learner, s3_bucket):
    status, _ = _post(
        server,
        learner.url("files", submission=learner.submission, kind="upload"),
        b"MZ" + bytes(9_000_000),
    )
    assert status == 415
    store = app.extensions["pathmark.store"]
    assert "Contents" not in store.client.list_objects_v2(Bucket=s3_bucket)
    assert store.client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads") in (
        None,
        [],
    )
