"""Evidence writes that race: double-clicked submits and takes sent at once."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from lti_tool.db import db
from lti_tool.models import Artefact, Submission
from lti_tool.signals import submission_submitted
from tests import media_samples as media
from tests.database.races import post_together
from tests.evidence_helpers import launch, place_credential


@pytest.fixture
def events():
    seen = []

    def receiver(sender, event):
        seen.append(event)

    submission_submitted.connect(receiver)
    yield seen
    submission_submitted.disconnect(receiver)


@pytest.fixture
def learner(app, platform):
    place_credential(app, takes=1, min_seconds=None, max_seconds=None)
    session = launch(app, platform)
    session.submission = session.start()
    return session


def test_double_clicked_submit_at_the_same_moment(app, learner, events):
    learner.post_file(learner.submission, media.webm())
    form = {
        "submission": str(learner.submission),
        "own_work": "yes",
        "submit_key": "one-form-key-1234567",
    }
    results = post_together(
        app,
        f"/evidence/{learner.launch_id}/submit?lt={learner.token}",
        [form, form],
        "UPDATE SUBMISSION",
    )
    assert [r.status_code for r in results] == [303, 303]
    assert len(events) == 1
    with app.app_context():
        [row] = db.session.scalars(sa.select(Submission)).all()
        assert row.status == "submitted" and row.receipt


def test_two_submit_forms_at_once_make_one_submission(app, learner, events):
    learner.post_file(learner.submission, media.webm())
    forms = [
        {
            "submission": str(learner.submission),
            "own_work": "yes",
            "submit_key": f"form-key-number-{i}xx",
        }
        for i in range(2)
    ]
    results = post_together(
        app,
        f"/evidence/{learner.launch_id}/submit?lt={learner.token}",
        forms,
        "UPDATE SUBMISSION",
    )
    assert sorted(r.status_code for r in results) == [303, 409]
    assert len(events) == 1


def test_two_takes_at_once_with_one_take_allowed(app, learner):
    forms = [
        {
            "submission": str(learner.submission),
            "kind": "recording",
            "file": (io.BytesIO(media.webm(20_000 + i)), f"take{i}.webm"),
        }
        for i in range(2)
    ]
    results = post_together(
        app,
        f"/evidence/{learner.launch_id}/files?lt={learner.token}",
        forms,
        "UPDATE SUBMISSION SET TAKES_USED",
    )
    assert sorted(r.status_code for r in results) == [303, 409]
    with app.app_context():
        [row] = db.session.scalars(sa.select(Submission)).all()
        assert row.takes_used == 1
        active = db.session.scalars(
            sa.select(Artefact).where(Artefact.withdrawn_at.is_(None))
        ).all()
        assert len(active) == 1
