"""Score payload rules and delivery decisions, without a network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests

from lti_tool import score_payloads as p
from lti_tool.grading import classify, retry_delay
from lti_tool.models import ScoreDelivery

NOW = datetime(2026, 12, 4, 10, 15, 30, 123456, tzinfo=UTC)


def test_timestamps_are_utc_with_milliseconds_and_offset():
    cet = timezone(timedelta(hours=1))
    assert p.format_timestamp(NOW) == "2026-12-04T10:15:30.123+00:00"
    assert p.format_timestamp(NOW.astimezone(cet)) == "2026-12-04T10:15:30.123+00:00"
    with pytest.raises(p.ScoreError):
        p.format_timestamp(NOW.replace(tzinfo=None))


def test_timestamps_strictly_increase_within_one_millisecond():
    same_ms = NOW + timedelta(microseconds=200)
    assert p.next_timestamp(same_ms, NOW) == p.at_millis(NOW) + p.TICK
    assert p.next_timestamp(NOW - timedelta(seconds=5), NOW) > p.at_millis(NOW)
    assert p.next_timestamp(NOW, None) == p.at_millis(NOW)


def test_scores_url_keeps_the_query_string():
    url = "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert p.scores_url(url) == (
        "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores"
        "?type_id=3"
    )
    assert p.scores_url("https://c.example/api/lti/courses/1/line_items/5/") == (
        "https://c.example/api/lti/courses/1/line_items/5/scores"
    )


def test_score_maximum_must_be_positive_and_given_within_it():
    with pytest.raises(p.ScoreError):
        p.submission_score(0)
    with pytest.raises(p.ScoreError):
        p.release_score(13, 12, "")
    score = p.release_score(12, 12, "x" * 900)
    assert len(score["comment"]) == p.COMMENT_LIMIT


def test_release_comment_names_criteria_and_levels_and_links_back():
    link = "https://pathmark.example/feedback/eyJhIjo0Mn0.sig"
    levels = [("Fluency", "Secure"), ("Accuracy", "Strong")]
    text = p.release_comment(levels, "Mastery reached: Talk (7/8).", link)
    assert text == (
        "Mastery reached: Talk (7/8). Fluency: Secure; Accuracy: Strong. "
        f"Feedback: {link}"
    )
    assert p.release_comment([], "", "") == ""
    assert p.release_comment([("Range", "Developing")]) == "Range: Developing."


def test_a_long_release_comment_cuts_the_criteria_not_the_outcome_or_link():
    link = "https://pathmark.example/feedback/" + "r" * 60
    summary = "Not yet at mastery: Describe your town (5/16)."
    levels = [
        (f"Criterion number {n} with a long title", "Developing") for n in range(9)
    ]
    text = p.release_comment(levels, summary, link)
    assert len(text) <= p.COMMENT_LIMIT
    assert text.startswith(summary + " Criterion number 0 with a long title: ")
    assert text.endswith(f"… Feedback: {link}")
    # A summary too long by itself is cut instead; the link still stays whole.
    text = p.release_comment(levels, "y" * 800, link)
    assert len(text) <= p.COMMENT_LIMIT and text.endswith(f"… Feedback: {link}")


def test_canvas_extension_only_for_canvas():
    body = p.score_body(
        p.submission_score(10),
        user_id="u1",
        timestamp=NOW,
        family="canvas",
        new_submission=True,
        submitted_at=NOW,
    )
    assert body[p.CANVAS_SUBMISSION] == {
        "new_submission": True,
        "submitted_at": "2026-12-04T10:15:30.123+00:00",
    }
    moodle = p.score_body(
        p.submission_score(10),
        user_id="u1",
        timestamp=NOW,
        family="moodle",
        new_submission=True,
        submitted_at=NOW,
    )
    assert p.CANVAS_SUBMISSION not in moodle
    assert p.platform_family({}, "https://canvas.instructure.com") == "canvas"


def test_retry_delay_backs_off_with_jitter_under_a_cap():
    half = [retry_delay(n, None, NOW, 10, 3600, lambda: 0.0) for n in (1, 2, 3)]
    assert half == [timedelta(seconds=s) for s in (5, 10, 20)]
    full = retry_delay(3, None, NOW, 10, 3600, lambda: 1.0)
    assert full == timedelta(seconds=40)
    assert retry_delay(30, None, NOW, 10, 3600, lambda: 1.0) == timedelta(hours=1)


def test_retry_after_in_seconds_or_as_a_date_wins_but_is_capped():
    assert retry_delay(1, "42", NOW, 10, 3600, lambda: 0.5) == timedelta(seconds=42)
    assert retry_delay(1, "99999", NOW, 10, 3600, lambda: 0.5) == timedelta(hours=1)
    date = "Fri, 04 Dec 2026 10:20:30 GMT"
    wait = retry_delay(1, date, NOW, 10, 3600, lambda: 0.5)
    assert timedelta(seconds=299) < wait <= timedelta(seconds=300)
    past = "Fri, 04 Dec 2026 09:00:00 GMT"
    assert retry_delay(1, past, NOW, 10, 3600, lambda: 0.5) == timedelta(0)
    assert retry_delay(1, "soon", NOW, 10, 3600, lambda: 0.0) == timedelta(seconds=5)


def answer(status: int, text: str = "", **headers) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = text.encode()
    response.headers.update(headers)
    return response


@pytest.mark.parametrize(
    ("status", "text", "attempts", "in_doubt", "expected"),
    [
        (200, "", 1, False, ("sent", "delivered")),
        (204, "", 1, False, ("sent", "delivered")),
        (500, "oops", 1, False, ("pending", "unavailable")),
        (503, "", 1, False, ("pending", "unavailable")),
        (429, "", 1, False, ("pending", "unavailable")),
        (403, "Rate Limit Exceeded", 1, False, ("pending", "throttled")),
        (403, "not allowed", 1, False, ("failed", "forbidden")),
        (409, "", 1, False, ("failed", "superseded")),
        (409, "", 2, False, ("sent", "already_recorded")),
        (409, "", 1, True, ("sent", "already_recorded")),
        (404, "", 1, False, ("failed", "line_item_removed")),
        (400, "Incorrect score received", 1, False, ("failed", "not_gradable")),
        (422, "User not found in course", 1, False, ("failed", "not_gradable")),
        (422, "scoreGiven without scoreMaximum", 1, False, ("failed", "rejected")),
        (400, "", 1, False, ("failed", "rejected")),
    ],
)
def test_answers_are_classified(status, text, attempts, in_doubt, expected):
    row = ScoreDelivery(attempts=attempts, in_doubt=in_doubt)
    outcome = classify(answer(status, text, **{"Retry-After": "3"}), row)
    assert (outcome.status, outcome.reason) == expected
    if expected[0] == "pending" and status != 403:
        assert outcome.retry_after == "3"
