"""A cap on the request bodies Pathmark reads whole: forms and JSON.

Werkzeug reads an urlencoded form or a JSON body into memory in one piece
(its per-field limits cover multipart only), and every page looks up the
launch token in ``request.values`` before it knows who is asking. Without a
cap, anyone could make a worker hold a body of any size. Evidence never
arrives this way: files stream as a raw body, or as multipart parts that
Werkzeug spools to disk (``lti_tool.intake``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from lti_tool.events import event

# The default of the ``max_content_length`` setting: far above the largest
# form Pathmark serves (50,000 characters of typed evidence, percent-encoded)
# and any JSON its pages send.
WHOLE_BODY_MAX_BYTES = 2 * 1024 * 1024


View = TypeVar("View", bound=Callable[..., object])

_SAYS = "pathmark_too_large_says"
_OWN = "pathmark_answers_own_too_large"


def says_when_too_large(sentence: str) -> Callable[[View], View]:
    """Give a view's over-cap refusal its own advice, naming its real limit.

    The cap is far above what any Pathmark form needs, so a page whose own
    limit is much smaller (typed evidence) says that limit instead.
    """

    def mark(view: View) -> View:
        setattr(view, _SAYS, sentence)
        return view

    return mark


def answers_own_too_large(view: View) -> View:
    """Mark a view that lowers the cap itself and answers an over-long body.

    Such a body is not refused here: the view sets a smaller limit before
    it reads anything, so Werkzeug still refuses it unread, and the view
    says so in its own words (as JSON to a script).
    """
    setattr(view, _OWN, True)
    return view


def too_large(cap: int) -> str:
    size = f"{cap / 2**20:.3g} MB" if cap >= 2**20 else f"{cap // 1024} kB"
    return (
        f"What was sent is larger than this page accepts ({size}). "
        "Shorten the text and send it again; files go through the upload form."
    )


def read_whole(mimetype: str) -> bool:
    """Whether Werkzeug would read a body of this type into memory whole."""
    return mimetype in {
        "application/x-www-form-urlencoded",
        "application/json",
    } or mimetype.endswith("+json")


def limit_body() -> None:
    """Refuse an over-long form or JSON body before anything reads it."""
    if not read_whole(request.mimetype):
        return
    cap = current_app.config.get("MAX_CONTENT_LENGTH") or WHOLE_BODY_MAX_BYTES
    length = request.content_length
    view = current_app.view_functions.get(request.endpoint or "")
    if length is not None and length > cap and not getattr(view, _OWN, False):
        event(
            "request.body_refused",
            logging.WARNING,
            reason="too_large",
            size=length,
            path=request.path,
        )
        raise RequestEntityTooLarge(getattr(view, _SAYS, None) or too_large(cap))
    # Limit: a body sent without a length (chunked) is read only up to the
    # cap and Werkzeug parses that much without an error, so such a form
    # arrives cut short. Browsers send forms and JSON with a length.
    request.max_content_length = cap


def init_app(app: Flask) -> None:
    app.before_request(limit_body)
