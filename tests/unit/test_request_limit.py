"""One request size limit for every page and form; evidence keeps its own."""

from __future__ import annotations

import hashlib

import pytest

from tests import media_samples as media
from tests.evidence_helpers import JSON_HEADERS, launch, place_credential

LIMIT = 100_000


@pytest.fixture
def settings(settings):
    return {**settings, "max_content_length": LIMIT}


def test_an_oversized_launch_form_is_refused_before_it_is_read(app):
    response = app.test_client().post(
        "/lti/launch", data={"id_token": "x" * (LIMIT + 1)}
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than this page accepts (97 kB)" in page


def test_an_oversized_json_body_to_a_page_script_endpoint_is_refused(app, platform):
    place_credential(app)
    learner = launch(app, platform)
    response = learner.client.post(
        learner.url("uploads"),
        data=b"{" + b" " * LIMIT + b"}",
        content_type="application/json",
        headers=JSON_HEADERS,
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "http_413"
    assert "Shorten the text" in response.get_json()["message"]


def test_evidence_larger_than_the_page_limit_still_arrives(app, platform):
    place_credential(app, max_bytes=4 * LIMIT)
    app.config["UPLOAD_CHUNK_BYTES"] = 2 * LIMIT
    learner = launch(app, platform)
    submission = learner.start()
    # A whole file posted by the page's script.
    whole = learner.post_file(submission, media.webm(3 * LIMIT))
    assert whole.status_code == 200, whole.get_data(as_text=True)
    # A resumable upload whose chunks exceed the page limit.
    data = media.webm(3 * LIMIT + 5)
    begun = learner.client.post(
        learner.url("uploads"),
        json={
            "submission": submission,
            "kind": "recording",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        headers=JSON_HEADERS,
    )
    assert begun.status_code == 201, begun.get_data(as_text=True)
    upload = begun.get_json()["id"]
    for offset in range(0, len(data), 2 * LIMIT):
        sent = learner.client.put(
            learner.url(f"uploads/{upload}", offset=offset),
            data=data[offset : offset + 2 * LIMIT],
            content_type="application/octet-stream",
            headers=JSON_HEADERS,
        )
        assert sent.status_code == 200, sent.get_data(as_text=True)

    # A chunk far over the chunk size is refused unread, in the script's words.
    too_big = learner.client.put(
        learner.url(f"uploads/{upload}", offset=0),
        data=b"x" * (4 * LIMIT + 1),
        content_type="application/octet-stream",
        headers=JSON_HEADERS,
    )
    assert too_big.status_code == 413
    assert too_big.get_json()["error"] == "chunk_too_large"
