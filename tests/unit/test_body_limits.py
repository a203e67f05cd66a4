"""Forms and JSON bodies are capped before anything reads them whole.

Werkzeug reads such a body into memory in one piece, and the launch token
is looked up in the form before anyone is known, so an uncapped body let
any client grow a worker by the body's size (found sending 400 MB to an
evidence endpoint with no valid token).
"""

from __future__ import annotations

import io
import logging

from werkzeug.test import create_environ, run_wsgi_app

from lti_tool.body_limits import WHOLE_BODY_MAX_BYTES
from tests.evidence_helpers import JSON_HEADERS, counts, launch, place_credential

FORM = "application/x-www-form-urlencoded"


class CountingStream(io.RawIOBase):
    """``size`` bytes of ``a``; remembers how many were read."""

    def __init__(self, size: int):
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"a" * n
        self.left -= n
        self.read_bytes += n
        return n


def _post(app, body: CountingStream, length: int | None) -> tuple[str, str]:
    """POST ``body`` as a form, as a server hands it over; status and page."""
    environ = create_environ("/evidence/anything/files", method="POST")
    environ["CONTENT_TYPE"] = FORM
    environ["wsgi.input"] = body
    if length is None:
        # Chunked: no length, the server marks where the body ends.
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    pieces, status, _headers = run_wsgi_app(app, environ, buffered=True)
    return status, b"".join(pieces).decode()


def test_a_form_longer_than_the_cap_is_refused_unread(app, caplog):
    size = WHOLE_BODY_MAX_BYTES + 1
    body = CountingStream(size)
    with caplog.at_level(logging.WARNING, logger="pathmark"):
        status, page = _post(app, body, size)
    assert status.startswith("413")
    assert "Shorten the text and send it again" in page
    assert body.read_bytes == 0
    assert "event=request.body_refused reason=too_large" in caplog.text


def test_a_form_without_a_length_is_read_only_up_to_the_cap(app):
    body = CountingStream(20 * WHOLE_BODY_MAX_BYTES)
    status, _page = _post(app, body, None)
    # Werkzeug stops reading at the cap; the rest is never held.
    assert body.read_bytes == WHOLE_BODY_MAX_BYTES
    assert status.startswith("401")


def test_a_json_announcement_longer_than_the_cap_starts_nothing(app, platform):
    place_credential(app)
    learner = launch(app, platform)
    submission = learner.start()
    padding = "x" * WHOLE_BODY_MAX_BYTES
    response = learner.client.post(
        learner.url("uploads"),
        json={"submission": submission, "size": 10, "caption": padding},
        headers=JSON_HEADERS,
    )
    assert response.status_code == 413
    assert counts(app) == (0, 1)


def test_the_longest_typed_text_still_fits(app, platform):
    place_credential(app, kinds=["text"], min_words=None, max_words=None)
    learner = launch(app, platform)
    submission = learner.start()
    # 50,000 characters that each take three bytes, percent-encoded: 450 kB.
    text = ("ありがとう " * 10_000)[:50_000].strip()
    response = learner.client.post(
        learner.url("text"),
        data={"submission": submission, "text": text},
        headers=JSON_HEADERS,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert counts(app) == (1, 1)


def test_typed_text_far_over_its_limit_is_told_the_text_limit(app, platform, caplog):
    # Pasted into the text box, 3 MB of text passed the page cap and the
    # learner was told to shorten it below 2 MB, though texts stop at 50,000
    # characters.
    place_credential(app, kinds=["text"], min_words=None, max_words=None)
    learner = launch(app, platform)
    submission = learner.start()
    with caplog.at_level(logging.WARNING, logger="pathmark"):
        response = learner.client.post(
            learner.url("text"),
            data={"submission": submission, "text": "z " * (1536 * 1024)},
        )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Texts are limited to 50,000 characters" in page
    assert "2 MB" not in page
    assert "event=request.body_refused reason=too_large" in caplog.text
    assert counts(app) == (0, 1)


def test_other_pages_over_the_cap_keep_the_general_advice(app, platform):
    learner = launch(app, platform)
    submission = learner.start()
    response = learner.client.post(
        learner.url("link"),
        data={"submission": submission, "url": "https://x.test/" + "a" * 3 * 2**20},
    )
    assert response.status_code == 413
    assert "larger than this page accepts (2 MB)" in response.get_data(as_text=True)
