"""AGS score payloads as Moodle and Canvas accept them (AGS 2.0, 3.4).

Plain data in, plain data out: no Flask, no database. The rules follow
what the platforms enforce rather than the spec's minimum: the exact
media type, ``scoreGiven`` always beside a positive ``scoreMaximum``,
timestamps in UTC with milliseconds and an explicit offset, strictly
increasing per line item and learner, and Canvas's submission extension.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINE_ITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
CANVAS = "canvas"

# The comment a gradebook shows beside the score. Moodle shows it as grade
# feedback and Canvas as a submission comment; both take far more, but a
# gradebook cell or the learner's grade page shows a line or two.
COMMENT_LIMIT = 300
TICK = timedelta(milliseconds=1)


class ScoreError(ValueError):
    """A score Pathmark must not send as asked."""


def platform_family(claims: dict[str, Any], issuer: str) -> str:
    """``"canvas"`` for Canvas (its extension applies), else the family code."""
    tool_platform = claims.get(
        "https://purl.imsglobal.org/spec/lti/claim/tool_platform"
    )
    code = ""
    if isinstance(tool_platform, dict):
        code = str(tool_platform.get("product_family_code") or "").lower()
    if code == CANVAS or urlsplit(issuer).hostname in {
        "canvas.instructure.com",
        "canvas.beta.instructure.com",
        "canvas.test.instructure.com",
    }:
        return CANVAS
    return code[:32]


def at_millis(moment: datetime) -> datetime:
    """The moment in UTC, cut to whole milliseconds."""
    if moment.tzinfo is None:
        raise ScoreError("naive datetime where UTC is required")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_timestamp(moment: datetime) -> str:
    """``2024-03-01T10:15:30.123+00:00``: what Moodle and Canvas both read."""
    return at_millis(moment).isoformat(timespec="milliseconds")


def next_timestamp(now: datetime, previous: datetime | None) -> datetime:
    """Now, or one millisecond after the previous score when that is later."""
    now = at_millis(now)
    if previous is not None and now <= at_millis(previous):
        return at_millis(previous) + TICK
    return now


def scores_url(lineitem_url: str) -> str:
    """The line item's scores endpoint: ``/scores`` on the path, query kept."""
    return _child_url(lineitem_url, "scores")


def results_url(lineitem_url: str) -> str:
    return _child_url(lineitem_url, "results")


def _child_url(lineitem_url: str, child: str) -> str:
    parts = urlsplit(lineitem_url)
    path = parts.path.rstrip("/") + "/" + child
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _check_maximum(score_maximum: float) -> None:
    if not score_maximum or score_maximum <= 0:
        raise ScoreError("scoreMaximum must be above zero")


def submission_score(score_maximum: float) -> dict[str, Any]:
    """Handed in, waiting for a mentor: Canvas marks it as needing grading."""
    _check_maximum(score_maximum)
    return {
        "activityProgress": "Submitted",
        "gradingProgress": "PendingManual",
        "scoreMaximum": score_maximum,
    }


def release_score(
    score_given: float, score_maximum: float, comment: str
) -> dict[str, Any]:
    """The final, released score with its short comment."""
    _check_maximum(score_maximum)
    if score_given < 0 or score_given > score_maximum:
        raise ScoreError("scoreGiven must lie between 0 and scoreMaximum")
    return {
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "scoreGiven": score_given,
        "scoreMaximum": score_maximum,
        "comment": comment[:COMMENT_LIMIT],
    }


def release_comment(
    levels: list[tuple[str, str]], summary: str = "", link: str = ""
) -> str:
    """The gradebook comment: outcome, level per criterion, link back.

    ``levels`` are (criterion title, level name) pairs from the credential
    version assessed. Gradebooks show a line or two of it, so past
    ``COMMENT_LIMIT`` the criteria are cut short first; the summary (the
    outcome and total) and the link stay whole.
    """
    head = " ".join(summary.split())
    tail = f" Feedback: {link}" if link else ""
    each = "; ".join(f"{title}: {level}" for title, level in levels)
    middle = f" {each}." if each else ""
    if len(head) + len(middle) + len(tail) > COMMENT_LIMIT:
        room = COMMENT_LIMIT - len(head) - len(tail) - len(" …")
        middle = f"{middle[:room].rstrip(' ;:,')} …" if room > 8 else ""
    text = (head + middle).strip()
    if len(text) + len(tail) > COMMENT_LIMIT:
        text = text[: max(COMMENT_LIMIT - len(tail) - 1, 0)].rstrip() + "…"
    return (text + tail).strip()


def score_body(
    score: dict[str, Any],
    *,
    user_id: str,
    timestamp: datetime,
    family: str,
    new_submission: bool,
    submitted_at: datetime | None,
) -> dict[str, Any]:
    """The JSON body posted to the scores endpoint."""
    body = {"userId": user_id, "timestamp": format_timestamp(timestamp), **score}
    # The evidence fields (see canvas_evidence) travel inside the score.
    evidence = body.pop(CANVAS_SUBMISSION, None) or {}
    if family == CANVAS:
        extension: dict[str, Any] = {**evidence, "new_submission": new_submission}
        if submitted_at is not None:
            extension["submitted_at"] = format_timestamp(submitted_at)
        body[CANVAS_SUBMISSION] = extension
    return body


def canvas_evidence(
    files: list[tuple[str, str, str]], texts: list[str]
) -> dict[str, Any]:
    """Canvas's submission fields, so SpeedGrader shows the work itself.

    ``files`` are ``(url, title, media_type)``: Canvas fetches each URL
    later, so it must stay valid for hours. Typed text alone goes as the
    text entry; anything with a file goes as an upload, one item per file.
    """
    if files:
        items = [
            {"type": "file", "url": url, "title": title, "media_type": media_type}
            for url, title, media_type in files
        ]
        return {"submission_type": "online_upload", "content_items": items}
    paragraphs = "".join(f"<p>{html.escape(text)}</p>" for text in texts)
    return {"submission_type": "online_text_entry", "submission_data": paragraphs}
