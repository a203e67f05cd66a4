"""The release comment names criteria and levels; its link asks for a launch."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from lti_tool import assessments, gradebook_comment, releases
from lti_tool.db import db
from lti_tool.models import Launch, ScoreDelivery
from lti_tool.vocab import Claim, Scope
from tests.assessment_factory import all_at, world

AGS = {"scope": [Scope.SCORE.value], "lineitem": "https://lms.example.edu/li/7"}
RETURN_URL = "https://lms.example.edu/course/view.php?id=4"


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world()
    course = w.course("course-1")
    link = w.link(course, "link-1")
    s = SimpleNamespace(
        world=w,
        link=link,
        learner=w.person(course, "learner", "learner"),
        mentor=w.person(course, "mentor", "mentor"),
    )
    claims = {
        Claim.AGS_ENDPOINT: AGS,
        Claim.LAUNCH_PRESENTATION: {"return_url": RETURN_URL},
    }
    s.submission = w.submission(link, s.learner, claims=claims)
    db.session.commit()
    yield s
    db.session.rollback()
    ctx.pop()


def scored(s, levels):
    row = assessments.save(
        s.mentor,
        s.submission.id,
        revision=0,
        levels=levels,
        notes={"range": "Lovely idioms."},
        submit=True,
    )
    db.session.commit()
    return row


def released_comment(s) -> str:
    levels = {**all_at(2), "fluency": "1"}
    row = scored(s, levels)
    releases.release(s.mentor, row.id, revision=row.revision, sender="t")
    db.session.commit()
    queued = db.session.scalars(
        db.select(ScoreDelivery).where(ScoreDelivery.kind == "release")
    ).one()
    return queued.score["comment"]


def test_the_comment_uses_the_versions_titles_and_level_names(scene):
    comment = released_comment(scene)
    assert comment.startswith("Not yet at mastery: Tell me what happened (7/16).")
    assert (
        "Coherence: Developing; Range: Developing; Fluency: Not yet; "
        "Intelligibility: Developing." in comment
    )
    assert "fluency" not in comment and "Lovely idioms" not in comment
    assert re.search(r" Feedback: http://localhost/feedback/[\w.-]+$", comment)


def test_unknown_criteria_and_levels_are_shown_as_they_are(scene):
    named = gradebook_comment.criterion_levels(
        scene.world.version_id, {"range": 9, "ghost": 2, "coherence": 3}
    )
    assert named == [
        ("Coherence", "Secure"),
        ("Range", "level 9"),
        ("ghost", "level 2"),
    ]
    assert gradebook_comment.criterion_levels(None, {"c": 1}) == [("c", "level 1")]


def test_the_link_leads_to_the_course_and_never_shows_the_feedback(scene, client):
    comment = released_comment(scene)
    url = comment.rsplit("Feedback: ", 1)[1]
    page = client.get(url.removeprefix("http://localhost"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "opens only from the course" in text
    assert f'href="{RETURN_URL.replace("&", "&amp;")}"' in text
    assert "Lovely idioms" not in text and "7/16" not in text
    assert "Developing" not in text


def test_a_forged_or_unreleased_reference_is_not_found(scene, client, app):
    row = scored(scene, all_at(2))
    with app.test_request_context():
        unreleased = gradebook_comment.feedback_url(row.id)
    assert client.get(unreleased.removeprefix("http://localhost")).status_code == 404
    ref = unreleased.rsplit("/", 1)[1]
    assert client.get(f"/feedback/{ref[:-2]}xx").status_code == 404
    assert client.get(f"/feedback/{row.id}").status_code == 404


@pytest.mark.parametrize(
    "presentation", ["a string", {"return_url": "https://[lms.example.edu/c/4"}]
)
def test_a_malformed_return_url_leaves_the_course_link_out(scene, client, presentation):
    comment = released_comment(scene)
    launch = db.session.get(Launch, scene.submission.launch_id)
    launch.claims = {**launch.claims, Claim.LAUNCH_PRESENTATION: presentation}
    db.session.commit()
    url = comment.rsplit("Feedback: ", 1)[1]
    page = client.get(url.removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "opens only from the course" in page.get_data(as_text=True)
