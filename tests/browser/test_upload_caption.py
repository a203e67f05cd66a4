"""A file uploaded with a long caption or transcript arrives with it.

evidence.js put the caption in the upload's address, and gunicorn refuses a
request line over 4 kB: a transcript of a few hundred words failed every
time with "Something went wrong; nothing was lost, please try again".
"""

from __future__ import annotations

import sqlite3

from playwright.sync_api import expect

from tests.browser.test_moderation_in_sandbox import (  # noqa: F401
    TITLE,
    act_as,
    course,
    open_activity,
    place_activity,
    window,
)
from tests.media_samples import pdf_page

# About 900 words of transcript with letters that take two bytes: some 24 kB
# of address, percent-encoded.
TRANSCRIPT = "Übergabe für die Spätschicht, bitte prüfen. " * 150


def test_a_long_transcript_goes_up_with_its_file(window, course):  # noqa: F811
    page, stack = window, course
    title = place_activity(page, stack)
    assert title == TITLE
    act_as(page, stack, "learner")
    frame = open_activity(page, title)
    frame.get_by_role("button", name="Start").click()
    frame.locator("#upload-caption").fill(TRANSCRIPT)
    frame.locator("#upload-file").set_input_files(
        files=[
            {
                "name": "handover.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_page("Shift handover"),
            }
        ]
    )
    frame.get_by_role("button", name="Upload").click()
    expect(frame.locator(".pieces")).to_contain_text("handover.pdf")
    database = stack.folder / "instance" / "pathmark.db"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT original_name, caption FROM artefact").fetchall()
    assert rows == [("handover.pdf", TRANSCRIPT.strip())]


def test_a_short_caption_still_rides_with_the_raw_file(window, course):  # noqa: F811
    page, stack = window, course
    act_as(page, stack, "learner")
    frame = open_activity(page, TITLE)
    frame.locator("#upload-caption").fill("Page one of my notes")
    frame.locator("#upload-file").set_input_files(
        files=[
            {
                "name": "notes.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_page("Notes"),
            }
        ]
    )
    frame.get_by_role("button", name="Upload").click()
    expect(frame.locator(".pieces")).to_contain_text("notes.pdf")
    database = stack.folder / "instance" / "pathmark.db"
    with sqlite3.connect(database) as db:
        caption = db.execute(
            "SELECT caption FROM artefact WHERE original_name = 'notes.pdf'"
        ).fetchone()
    assert caption == ("Page one of my notes",)
    # The short caption rode in the address, with the file as the raw body.
    posts = [line for line in stack.access_lines() if "name=notes.pdf" in line]
    assert len(posts) == 1 and posts[0].endswith('" 200')
    assert "caption=Page%20one%20of%20my%20notes" in posts[0]
