"""Staff set an activity's due date; the late flag follows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lti_tool.db import db
from lti_tool.models import ActivityDeadline, ActivityDeadlineChange, Submission
from lti_tool.vocab import ContextRole
from tests import recording_samples as rec
from tests.evidence_helpers import KEY, launch, place_credential


@pytest.fixture
def staff(app, platform):
    place_credential(app)
    return launch(app, platform, sub="teacher-1", role=ContextRole.INSTRUCTOR.value)


def post_deadline(session, **form):
    return session.client.post(
        f"/activity/{session.launch_id}/deadline",
        data={"lt": session.token, **form},
    )


def stored(app):
    with app.app_context():
        deadline = db.session.scalar(select(ActivityDeadline))
        changes = db.session.scalars(
            select(ActivityDeadlineChange).order_by(ActivityDeadlineChange.id)
        ).all()
        return (deadline.due_at if deadline else None), [
            (c.person.sub if c.person else None, c.due_at) for c in changes
        ]


def hand_in(app, platform, sub: str, custom: dict | None = None) -> Submission:
    learner = launch(app, platform, sub=sub, custom=custom)
    submission = learner.start()
    learner.post_file(submission, rec.webm(100.0), duration="100")
    assert learner.submit(submission, key=f"key-{sub}-0123456789").status_code == 200
    with app.app_context():
        return db.session.get(Submission, submission)


def test_staff_page_offers_a_labelled_form_with_the_time_zone(staff):
    page = staff.page().get_data(as_text=True)
    assert '<label for="due-at">Due date and time</label>' in page
    assert '<label for="time-zone">Time zone</label>' in page
    assert 'name="time_zone" value="UTC"' in page
    assert "Pathmark stores the moment in UTC" in page
    assert f'<input type="hidden" name="lt" value="{staff.token}">' in page
    assert "No due date is set in Pathmark." in page


def test_staff_set_a_due_date_in_their_time_zone(app, staff):
    response = post_deadline(
        staff, due_at="2026-03-01T17:00", time_zone="Europe/Paris", action="save"
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#deadline")
    assert f"lt={staff.token}" in response.headers["Location"]
    due = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
    assert stored(app) == (due, [("teacher-1", due)])

    page = staff.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Due date saved." in page
    assert "01 Mar 2026, 16:00 UTC" in page
    assert 'value="2026-03-01T17:00"' in page
    # Who set it, for a disputed late flag later.
    assert "Last changed by\n    Ana Łukasiewicz on" in page


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"due_at": ""}, "due-at", "Enter the date and time the work is due."),
        ({"due_at": "1 March"}, "due-at", "for example 2026-03-01T17:00"),
        ({"due_at": "1850-03-01T17:00"}, "due-at", "between 2000 and 2100"),
        (
            {"due_at": "2026-03-01T17:00", "time_zone": "Mars/Olympus"},
            "time-zone",
            "is not a time zone Pathmark knows",
        ),
    ],
)
def test_bad_values_are_explained_next_to_their_field(app, staff, form, field, words):
    response = post_deadline(staff, action="save", **form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">' in page
    assert words in page
    assert f'{field}-error" aria-invalid="true"' in page
    # What was typed stays in the form, and the token with it.
    assert f'value="{form["due_at"]}"' in page
    assert f'name="lt" value="{staff.token}"' in page
    assert stored(app) == (None, [])


def test_a_learner_may_not_set_the_due_date(app, platform, staff):
    learner = launch(app, platform, sub="learner-1")
    response = post_deadline(learner, due_at="2026-03-01T17:00", action="save")
    assert response.status_code == 403
    assert stored(app) == (None, [])


def test_removing_the_due_date_is_recorded(app, staff):
    post_deadline(staff, due_at="2026-03-01T17:00", time_zone="UTC", action="save")
    response = post_deadline(staff, action="remove")
    assert response.status_code == 303
    due = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert stored(app) == (None, [("teacher-1", due), ("teacher-1", None)])


def test_late_flag_follows_the_date_staff_set(app, platform, staff):
    past = datetime.now(UTC) - timedelta(days=1)
    future = datetime.now(UTC) + timedelta(days=1)
    post_deadline(staff, due_at=past.strftime("%Y-%m-%dT%H:%M"), action="save")
    late = hand_in(app, platform, "learner-1")
    assert late.late is True
    assert late.due_at.strftime("%Y-%m-%dT%H:%M") == past.strftime("%Y-%m-%dT%H:%M")

    post_deadline(staff, due_at=future.strftime("%Y-%m-%dT%H:%M"), action="save")
    assert hand_in(app, platform, "learner-2").late is False


def test_the_lms_due_date_wins_over_the_one_set_here(app, platform, staff):
    past = datetime.now(UTC) - timedelta(days=1)
    post_deadline(staff, due_at=past.strftime("%Y-%m-%dT%H:%M"), action="save")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    on_time = hand_in(
        app, platform, "learner-1", custom={"credential": KEY, "due_at": tomorrow}
    )
    assert on_time.late is False
