"""Results read-back (AGS 2.0, results service): what the gradebook holds.

Staff compare it with what Pathmark sent, to spot a grade changed by hand
in the LMS or a score the platform took silently without storing.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from sqlalchemy import select

from lti_tool import grade_outbox as outbox
from lti_tool import score_payloads as payloads
from lti_tool.db import db
from lti_tool.grading import GradeSync, PlatformAnswer
from lti_tool.line_items import next_link
from lti_tool.models import GradeLineItem, Launch, ScoreDelivery
from lti_tool.service_tokens import TokenError
from lti_tool.vocab import Scope


@dataclass(frozen=True)
class GradebookValue:
    score: float | None
    maximum: float | None


class ResultsUnavailable(Exception):
    """Why the gradebook could not be read, in words for staff."""


def read_results(sync: GradeSync, launch: Launch) -> dict[str, GradebookValue]:
    """The gradebook's result per ``userId`` for the launch's line item."""
    endpoint = outbox.ags_endpoint(launch.claims)
    if endpoint is None or Scope.RESULT_READONLY not in endpoint["scope"]:
        raise ResultsUnavailable("the LMS grants no reading of results here")
    url = endpoint["lineitem"] or db.session.scalar(
        select(GradeLineItem.url).where(
            GradeLineItem.resource_link_id == launch.resource_link_id
        )
    )
    if not url:
        raise ResultsUnavailable("no gradebook column has been found or made yet")
    found: dict[str, GradebookValue] = {}
    next_url: str | None = payloads.results_url(url)
    try:
        while next_url:
            response = sync.ags.call(
                launch.registration,
                [Scope.RESULT_READONLY],
                "GET",
                next_url,
                headers={"Accept": payloads.RESULTS_MEDIA_TYPE},
            )
            sync.ags.raise_for(response)
            for result in response.json():
                if isinstance(result, dict) and isinstance(result.get("userId"), str):
                    found[result["userId"]] = GradebookValue(
                        result.get("resultScore"), result.get("resultMaximum")
                    )
            next_url = next_link(response.headers.get("Link", ""))
    except (requests.RequestException, TokenError, PlatformAnswer, ValueError) as exc:
        words = str(exc) if not isinstance(exc, requests.RequestException) else ""
        raise ResultsUnavailable(
            f"the gradebook could not be read ({type(exc).__name__}) {words}".strip()
        ) from None
    return found


def differs(row: ScoreDelivery, value: GradebookValue | None) -> bool:
    """A sent final score the gradebook does not hold (scaled to its maximum)."""
    if row.status != ScoreDelivery.SENT or "scoreGiven" not in row.score:
        return False
    if value is None or value.score is None:
        return True
    maximum = row.score["scoreMaximum"]
    ours = row.score["scoreGiven"] / maximum
    theirs = value.score / (value.maximum or maximum)
    return abs(ours - theirs) > 1e-6
