"""Typed text and PDF evidence reach the scoring screen, never as downloads."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from lti_tool.db import db
from lti_tool.media import store
from lti_tool.models import Artefact
from lti_tool.storage import content_key
from tests.unit.test_assessment_pages import course, sheet_path  # noqa: F401

TYPED = b"I met <b>Ana</b> & we talked about the trip.\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add(app, submission_id: int, suffix: str, data: bytes, media_type: str) -> str:
    with app.app_context():
        digest = hashlib.sha256(data).hexdigest()
        pending = store().begin()
        pending.write(data)
        pending.commit(content_key(digest))
        artefact = Artefact(
            id=f"a{submission_id}{suffix}",
            submission_id=submission_id,
            sha256=digest,
            size=len(data),
            media_type=media_type,
            capture_mode="typed" if media_type == "text/plain" else "uploaded",
            kind="text" if media_type == "text/plain" else "document",
            storage_key=content_key(digest),
            original_name=f"work.{suffix}",
            received_at=datetime(2026, 12, 1, 9, 58, tzinfo=UTC),
        )
        db.session.add(artefact)
        db.session.commit()
        return artefact.id


def test_typed_text_shows_inline_and_escaped(app, course):  # noqa: F811
    _add(app, course["submission"], "txt", TYPED, "text/plain")
    html = course["mentor"].get(sheet_path(course, "mentor")).get_data(as_text=True)
    shown = re.search(r"<pre [^>]*data-evidence-text>(.*?)</pre>", html, re.S)
    assert shown is not None
    assert "&lt;b&gt;Ana&lt;/b&gt; &amp; we talked" in shown.group(1)
    assert "<b>Ana</b>" not in html


def test_pdf_is_served_inline_under_its_own_sandbox_policy(app, course):  # noqa: F811
    artefact_id = _add(app, course["submission"], "pdf", PDF, "application/pdf")
    mentor = course["mentor"]
    html = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    frame = re.search(r'<iframe src="([^"]+)"[^>]*data-evidence-doc[^>]*>', html)
    assert frame is not None and f"/artefacts/{artefact_id}" in frame.group(1)
    # Chromium shows no PDF in a frame with a sandbox attribute; the
    # response's own policy sandboxes the document instead.
    assert "sandbox" not in frame.group(0)
    response = mentor.get(f"/evidence/{mentor.id}/artefacts/{artefact_id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    # The launch's framing rule joins the artefact's own policy, not replaces it.
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "frame-ancestors 'self'" in policy


def test_asking_for_a_download_still_gets_an_attachment(app, course):  # noqa: F811
    artefact_id = _add(app, course["submission"], "pdf", PDF, "application/pdf")
    mentor = course["mentor"]
    response = mentor.get(
        f"/evidence/{mentor.id}/artefacts/{artefact_id}", download="1"
    )
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_staff_read_how_each_piece_was_captured(app, course):  # noqa: F811
    take = b"\x1aE\xdf\xa3take"
    recorded = _add(app, course["submission"], "rec", take, "audio/webm")
    _add(app, course["submission"], "pdf", PDF, "application/pdf")
    with app.app_context():
        db.session.get(Artefact, recorded).capture_mode = "recorded"
        db.session.commit()
    html = course["mentor"].get(sheet_path(course, "mentor")).get_data(as_text=True)
    modes = re.findall(r'data-capture-mode="(\w+)">([^<]+)<', html)
    assert ("uploaded", "uploaded") in modes
    assert ("recorded", "recorded in Pathmark") in modes
    assert all(label in {"uploaded", "recorded in Pathmark"} for _, label in modes)
