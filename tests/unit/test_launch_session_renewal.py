"""The launch session slides with activity, up to a cap from the launch.

And when it has ended, what a person typed comes back on the refusal page
instead of being lost, and nothing is saved.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from werkzeug.datastructures import MultiDict

from lti_tool.db import db, utcnow
from lti_tool.launch_session import TOKEN_HEADER
from lti_tool.models import Artefact, Assessment, Launch
from lti_tool.typed_work import keeps_typed, typed_fields
from tests.evidence_helpers import counts, launch, place_credential
from tests.unit.test_assessment_pages import (  # noqa: F401
    course,
    levels_form,
    sheet_path,
)

REAL_TIMESTAMP = TimestampSigner.get_timestamp
REOPEN = "open the activity again from your course"


@pytest.fixture
def people(course):  # noqa: F811
    return course


def clock_at(monkeypatch, seconds: int) -> None:
    """Tokens are issued and checked ``seconds`` from now."""
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: REAL_TIMESTAMP(self) + seconds
    )


def token_in(html: str) -> str:
    return re.search(r'name="lt" value="([^"]+)"', html).group(1)


def launch_made(app, launch_id: str, ago: timedelta) -> None:
    with app.app_context():
        db.session.get(Launch, launch_id).created_at = utcnow() - ago
        db.session.commit()


# Sliding renewal


def test_a_page_hands_out_a_token_that_outlives_the_one_it_was_opened_with(
    people, app, monkeypatch
):
    mentor = people["mentor"]
    max_age = app.config["LAUNCH_TOKEN_MAX_AGE"]
    path = sheet_path(people, "mentor")

    clock_at(monkeypatch, max_age - 60)
    page = mentor.client.get(path, query_string={"lt": mentor.token})
    assert page.status_code == 200
    renewed = token_in(page.get_data(as_text=True))
    assert renewed != mentor.token

    clock_at(monkeypatch, max_age + 60)
    old = mentor.client.get(path, query_string={"lt": mentor.token})
    assert old.status_code == 401
    assert mentor.client.get(path, query_string={"lt": renewed}).status_code == 200


def test_links_in_a_page_carry_the_renewed_token(people, app, monkeypatch):
    mentor = people["mentor"]
    clock_at(monkeypatch, 120)
    html = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    carried = set(re.findall(r"[?&;]lt=([\w.-]+)", html))
    assert len(carried) == 1 and mentor.token not in carried
    with app.app_context():
        assert app.extensions["pathmark"].tokens.launch_id(carried.pop()) == mentor.id


@pytest.mark.parametrize(("hours", "status"), [(11.9, 200), (12.1, 401)])
def test_no_renewal_outlasts_the_cap_from_the_launch(people, app, hours, status):
    assert app.config["LAUNCH_SESSION_MAX_HOURS"] == 12
    mentor = people["mentor"]
    launch_made(app, mentor.id, timedelta(hours=hours))
    page = mentor.get(sheet_path(people, "mentor"))
    assert page.status_code == status
    if status == 401:
        assert "session_expired" in page.get_data(as_text=True)


def test_the_feedback_check_answers_with_a_renewed_token(people, app, monkeypatch):
    mentor = people["mentor"]
    check = sheet_path(people, "mentor") + "/feedback-check"
    json = {"Accept": "application/json"}
    clock_at(monkeypatch, 120)
    answer = mentor.post(check, {"level-range": "3"}, headers=json)
    assert answer.status_code == 200
    renewed = answer.headers[TOKEN_HEADER]
    assert renewed != mentor.token
    with app.app_context():
        assert app.extensions["pathmark"].tokens.launch_id(renewed) == mentor.id


def test_an_ended_session_answers_the_check_with_401_and_no_token(
    people, app, monkeypatch
):
    mentor = people["mentor"]
    check = sheet_path(people, "mentor") + "/feedback-check"
    clock_at(monkeypatch, app.config["LAUNCH_TOKEN_MAX_AGE"] + 60)
    answer = mentor.post(
        check, {"level-range": "3"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 401
    assert answer.json["error"] == "session_expired"
    assert TOKEN_HEADER not in answer.headers


def test_html_pages_do_not_repeat_the_token_in_a_header(people):
    mentor = people["mentor"]
    assert TOKEN_HEADER not in mentor.get(sheet_path(people, "mentor")).headers


def test_the_sheet_has_a_hidden_status_line_for_an_ended_session(people):
    html = people["mentor"].get(sheet_path(people, "mentor")).get_data(as_text=True)
    line = re.search(r"<p [^>]*data-session-ended[^>]*>(.*?)</p>", html)
    assert line and " hidden" in line.group(0) and 'role="alert"' in line.group(0)
    assert REOPEN in line.group(1)


# What was typed, when the session had ended


def expire(monkeypatch, app) -> None:
    clock_at(monkeypatch, app.config["LAUNCH_TOKEN_MAX_AGE"] + 60)


def assessments(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Assessment)).all())


def test_an_expired_save_shows_the_notes_escaped_and_saves_nothing(
    people, app, monkeypatch
):
    mentor = people["mentor"]
    form = {
        **levels_form({"range": "3"}, action="draft"),
        "note-range": "<b>Wide</b> range & try new verbs",
        "note-fluency": "   ",
        "overall": "A fine story.",
    }
    expire(monkeypatch, app)
    page = mentor.post(sheet_path(people, "mentor"), form)
    html = page.get_data(as_text=True)

    assert page.status_code == 401
    assert "Your Pathmark session has ended" in html and REOPEN in html
    assert (
        '<textarea readonly rows="6" data-typed="note-range">'
        "&lt;b&gt;Wide&lt;/b&gt; range &amp; try new verbs</textarea>"
    ) in html
    assert "<b>Wide</b>" not in html
    assert 'data-typed="overall">A fine story.</textarea>' in html
    assert "Note on criterion range" in html and "Overall feedback" in html
    # Blank notes, levels and hidden fields are not "typed work".
    assert re.findall(r'data-typed="([^"]+)"', html) == ["note-range", "overall"]
    assert assessments(app) == 0

    # The same form inside the session is saved, so the zero above is real.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", REAL_TIMESTAMP)
    assert mentor.post(sheet_path(people, "mentor"), form).status_code == 303
    assert assessments(app) == 1


@pytest.mark.parametrize(
    ("suffix", "label"),
    [("/return", "What to change"), ("/moderate", "Note to the assessor")],
)
def test_other_sheet_forms_show_their_note_back(
    people, app, monkeypatch, suffix, label
):
    teacher = people["teacher"]
    path = (
        sheet_path(people, "teacher") + suffix
        if suffix == "/return"
        else f"/assess/{teacher.id}/assessments/1{suffix}"
    )
    expire(monkeypatch, app)
    page = teacher.post(path, {"revision": "0", "note": "Redo the ending."})
    html = page.get_data(as_text=True)
    assert page.status_code == 401
    assert label in html
    assert 'data-typed="note">Redo the ending.</textarea>' in html


def test_forms_without_typed_work_show_nothing_back(people, app, monkeypatch):
    teacher = people["teacher"]
    expire(monkeypatch, app)
    page = teacher.post(
        f"/assess/{teacher.id}/assessments/1/release", {"note": "not kept"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 401
    assert "data-typed-work" not in html and "not kept" not in html


def test_an_expired_text_evidence_form_shows_the_text_and_stores_nothing(
    app, platform, monkeypatch
):
    place_credential(app, kinds=["text"], min_words=None)
    learner = launch(app, platform)
    submission = learner.start()
    expire(monkeypatch, app)
    page = learner.client.post(
        learner.url("text"),
        data={"submission": submission, "text": "Dear Ms Patel,\n<i>I write</i>"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 401
    assert (
        'data-typed="text">Dear Ms Patel,\n&lt;i&gt;I write&lt;/i&gt;</textarea>'
    ) in html
    assert REOPEN in html
    assert counts(app) == (0, 1)
    with app.app_context():
        assert db.session.scalars(db.select(Artefact)).all() == []


# The field rules


def test_typed_fields_keep_named_and_prefixed_fields_in_form_order():
    @keeps_typed({"note-": "Note on {}", "overall": "Overall"})
    def view():
        return None

    form = MultiDict(
        [
            ("overall", "All good."),
            ("lt", "token"),
            ("note-range", "Try verbs."),
            ("note-", "no criterion"),
            ("note-tone", " \n "),
            ("level-range", "3"),
        ]
    )
    kept = typed_fields(view, form)
    assert [(f.name, f.label, f.text) for f in kept] == [
        ("overall", "Overall", "All good."),
        ("note-range", "Note on range", "Try verbs."),
    ]


def test_a_view_that_keeps_nothing_shows_nothing():
    assert typed_fields(lambda: None, MultiDict([("text", "x")])) == []
    assert typed_fields(None, MultiDict([("text", "x")])) == []
