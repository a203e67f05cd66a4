"""Captions and transcripts: the page's boxes stop where the server does.

The server kept the first 10,000 characters of a caption and dropped the
rest without a word, while the boxes took any length.
"""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from lti_tool.db import db
from lti_tool.evidence import MAX_CAPTION_CHARS
from lti_tool.models import Artefact
from tests.evidence_helpers import JSON_HEADERS, launch, place_credential
from tests.media_samples import pdf_page


def test_both_caption_boxes_stop_at_what_the_server_keeps(app, platform):
    place_credential(app, kinds=["recording", "upload"])
    learner = launch(app, platform)
    learner.start()
    page = learner.page().get_data(as_text=True)
    for box in ("rec-caption", "upload-caption"):
        found = re.search(rf'<textarea id="{box}"[^>]*maxlength="(\d+)"', page)
        assert found, f"{box} has no maxlength"
        assert int(found.group(1)) == MAX_CAPTION_CHARS


def test_a_long_caption_sent_in_the_form_is_kept_to_the_limit(app, platform):
    # evidence.js sends a long caption with the file as a form, not in the
    # address (gunicorn refuses request lines over 4 kB).
    place_credential(app, kinds=["upload"], media_types=["application/pdf"])
    learner = launch(app, platform)
    submission = learner.start()
    caption = "Transkript der Übergabe. " * 500
    response = learner.client.post(
        learner.url("files", submission=submission, kind="upload"),
        data={"caption": caption, "file": (io.BytesIO(pdf_page("Note")), "a.pdf")},
        headers=JSON_HEADERS,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        kept = db.session.scalars(select(Artefact.caption)).one()
    assert kept == caption.strip()[:MAX_CAPTION_CHARS]
    assert len(kept) == MAX_CAPTION_CHARS
