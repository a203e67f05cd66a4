"""Canvas's submission fields in the score body (pure payload rules)."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool import score_payloads as payloads

AT = datetime(2026, 3, 1, 10, 15, 30, 123456, tzinfo=UTC)


def body(score, family):
    return payloads.score_body(
        score,
        user_id="u1",
        timestamp=AT,
        family=family,
        new_submission=True,
        submitted_at=AT,
    )


def test_files_go_as_an_upload_with_one_item_each():
    fields = payloads.canvas_evidence(
        [("https://t/media/a", "take.webm", "audio/webm")], ["ignored"]
    )
    assert fields == {
        "submission_type": "online_upload",
        "content_items": [
            {
                "type": "file",
                "url": "https://t/media/a",
                "title": "take.webm",
                "media_type": "audio/webm",
            }
        ],
    }


def test_text_alone_goes_as_an_escaped_text_entry():
    fields = payloads.canvas_evidence([], ["a < b", "two\nlines"])
    assert fields == {
        "submission_type": "online_text_entry",
        "submission_data": "<p>a &lt; b</p><p>two\nlines</p>",
    }


def test_canvas_body_merges_the_evidence_with_the_attempt_fields():
    score = payloads.submission_score(10)
    score[payloads.CANVAS_SUBMISSION] = payloads.canvas_evidence([], ["hi"])
    sent = body(score, payloads.CANVAS)[payloads.CANVAS_SUBMISSION]
    assert sent == {
        "submission_type": "online_text_entry",
        "submission_data": "<p>hi</p>",
        "new_submission": True,
        "submitted_at": "2026-03-01T10:15:30.123+00:00",
    }


def test_other_platforms_never_see_the_extension():
    score = payloads.submission_score(10)
    score[payloads.CANVAS_SUBMISSION] = payloads.canvas_evidence([], ["hi"])
    assert payloads.CANVAS_SUBMISSION not in body(score, "moodle")
    assert payloads.CANVAS_SUBMISSION in score  # the stored score is untouched
