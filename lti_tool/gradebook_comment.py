"""The gradebook comment on a release, and its link back to the feedback.

The comment names each criterion and the level reached by their titles in
the credential version assessed (``score_payloads.release_comment`` fits
it to the gradebook). Gradebooks show the release comment outside Pathmark, often to the
teacher as well as the learner, and a link in it can be copied anywhere.
So the link names a released assessment through a signed reference (not
a guessable id) and opens no feedback by itself: its page says which
activity in which course holds the feedback and sends the reader back to
the course, where opening the activity is an LTI launch that proves who
they are. Only then does Pathmark show the feedback (on the activity's
results page).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from lti_tool import catalogue
from lti_tool import score_payloads as payloads
from lti_tool.db import db
from lti_tool.models import Assessment, Course, Launch, ResourceLink, Submission
from lti_tool.signals import ReleaseEvent
from lti_tool.vocab import Claim

bp = Blueprint("gradebook_comment", __name__)

SALT = "pathmark-feedback-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def feedback_url(assessment_id: int) -> str:
    """The absolute URL for a gradebook comment; needs an app context."""
    ref = _serializer().dumps(assessment_id)
    return f"{current_app.config['BASE_URL']}/feedback/{ref}"


def for_release(event: ReleaseEvent) -> str:
    """The comment for a released score; needs an app context."""
    return payloads.release_comment(
        criterion_levels(event.credential_version_id, event.levels),
        event.comment,
        feedback_url(event.assessment_id),
    )


def criterion_levels(
    version_id: int | None, levels: dict[str, int]
) -> list[tuple[str, str]]:
    """(criterion title, level name) pairs, in the rubric's order.

    Names come from the credential version assessed; an id or level the
    version does not know (it should not happen) is shown as it is.
    """
    row = catalogue.version(version_id)
    rubric = catalogue.definition(row).rubric if row is not None else None
    named: list[tuple[str, str]] = []
    left = dict(levels)
    for criterion in rubric.criteria if rubric else ():
        if criterion.id not in left:
            continue
        number = left.pop(criterion.id)
        try:
            name = criterion.level(number).label
        except KeyError:
            name = f"level {number}"
        named.append((criterion.title, name))
    named += [(cid, f"level {number}") for cid, number in left.items()]
    return named


def _course_address(submission: Submission | None) -> str | None:
    """Where the learner's course is: the launch's return URL, if web."""
    if submission is None or not submission.launch_id:
        return None
    launch = db.session.get(Launch, submission.launch_id)
    if launch is None:
        return None
    presentation = launch.claims.get(Claim.LAUNCH_PRESENTATION)
    url = presentation.get("return_url") if isinstance(presentation, dict) else None
    if not isinstance(url, str):
        return None
    try:
        web = urlsplit(url).scheme in ("http", "https")
    except ValueError:  # e.g. "https://[lms": no address to link to
        return None
    return url if web else None


@bp.get("/feedback/<ref>")
def feedback(ref: str):
    try:
        assessment_id = _serializer().loads(ref)
    except BadSignature:
        abort(404)
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.released_at is None:
        abort(404)
    link = db.session.get(ResourceLink, assessment.resource_link_id)
    course = db.session.get(Course, assessment.course_id)
    submission = db.session.get(Submission, assessment.submission_id)
    return render_template(
        "learner/feedback_link.html",
        activity=(link.title if link else "") or "this activity",
        course=(course.title if course else "") or "your course",
        course_url=_course_address(submission),
    )
