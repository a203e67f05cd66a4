"""Submitting: own-work statement, one submission per click, late, receipts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool.cli import main
from lti_tool.db import db
from lti_tool.models import (
    ActivityDeadline,
    Artefact,
    CredentialVersion,
    ScoreDelivery,
    Submission,
)
from lti_tool.receipts import verify
from lti_tool.signals import SubmissionEvent, submission_submitted
from lti_tool.vocab import Claim
from tests import media_samples as media
from tests import recording_samples as rec
from tests.evidence_helpers import (
    KEY,
    Session,
    launch,
    place_credential,
    stored_files,
)


@pytest.fixture
def events():
    seen: list[SubmissionEvent] = []

    def receiver(sender, event):
        seen.append(event)

    submission_submitted.connect(receiver)
    yield seen
    submission_submitted.disconnect(receiver)


@pytest.fixture
def learner(app, platform):
    place_credential(app, resubmission=False)
    return launch(app, platform)


def _draft_with_take(learner, seconds: str = "100") -> int:
    submission = learner.start()
    response = learner.post_file(submission, rec.webm(float(seconds)), duration=seconds)
    assert response.status_code == 200
    return submission


def test_submit_needs_the_own_work_statement(app, learner, events):
    submission = _draft_with_take(learner)
    response = learner.submit(submission, own_work=False)
    assert response.status_code == 400
    assert response.get_json()["error"] == "own_work"
    with app.app_context():
        assert db.session.get(Submission, submission).status == "draft"
    assert events == []


def test_submit_without_evidence_is_refused(app, learner):
    submission = learner.start()
    response = learner.submit(submission)
    assert response.status_code == 400
    assert response.get_json()["error"] == "nothing_to_submit"


@pytest.mark.parametrize(
    ("seconds", "code"), [("30", "too_short"), ("200", "too_long")]
)
def test_recording_length_is_checked(app, learner, seconds, code):
    submission = _draft_with_take(learner, seconds)
    response = learner.submit(submission)
    assert response.status_code == 400
    assert response.get_json()["error"] == code


def test_double_clicked_submit_makes_one_submission(app, learner, events):
    submission = _draft_with_take(learner)
    first = learner.submit(submission, key="same-key-123456789")
    second = learner.submit(submission, key="same-key-123456789")
    assert first.status_code == second.status_code == 200
    assert first.get_json()["receipt"] == second.get_json()["receipt"]
    assert len(events) == 1
    other = learner.submit(submission, key="another-key-12345678")
    assert other.status_code == 409
    with app.app_context():
        row = db.session.get(Submission, submission)
        assert row.status == "submitted" and row.own_work_at is not None
        assert row.own_work_statement.startswith("This is my own work")
        assert db.session.get(CredentialVersion, row.credential_version_id).in_use


def test_submission_event_for_grade_sync(app, learner, events):
    submission = _draft_with_take(learner)
    learner.submit(submission)
    [event] = events
    assert event.submission_id == submission
    assert event.launch_id == learner.launch_id
    assert event.score_maximum == 16.0
    assert event.submitted_at.tzinfo is not None


def test_submitted_attempt_cannot_change(app, learner):
    submission = _draft_with_take(learner)
    learner.submit(submission)
    response = learner.post_file(submission, media.webm(25_000))
    assert response.status_code == 409
    assert response.get_json()["error"] == "submitted"
    with app.app_context():
        assert len(db.session.scalars(db.select(Artefact)).all()) == 1


def test_no_resubmission_unless_returned(app, learner):
    submission = _draft_with_take(learner)
    learner.submit(submission)
    refused = learner.client.post(
        learner.url("start"), headers={"Accept": "application/json"}
    )
    assert refused.status_code == 409 and refused.get_json()["error"] == "closed"
    with app.app_context():
        from lti_tool.evidence import return_to_learner

        return_to_learner(db.session.get(Submission, submission))
        db.session.commit()
    again = learner.start()
    assert again != submission
    with app.app_context():
        assert db.session.get(Submission, again).attempt == 2


def test_resubmission_where_the_credential_allows(app, platform):
    place_credential(app, resubmission=True)
    learner = launch(app, platform)
    submission = _draft_with_take(learner)
    learner.submit(submission)
    assert learner.start() != submission


def test_late_against_the_lms_due_date(app, platform):
    place_credential(app)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    learner = launch(app, platform, custom={"credential": KEY, "due_at": past})
    submission = _draft_with_take(learner)
    learner.submit(submission)
    with app.app_context():
        row = db.session.get(Submission, submission)
        assert row.late and row.due_at is not None


def test_late_against_the_activity_deadline(app, platform):
    place_credential(app)
    learner = launch(app, platform, custom={"credential": KEY, "due_at": "$Canvas"})
    with app.app_context():
        sub = learner.start()
        link_id = db.session.get(Submission, sub).resource_link_id
        db.session.add(
            ActivityDeadline(
                resource_link_id=link_id, due_at=datetime.now(UTC) + timedelta(days=1)
            )
        )
        db.session.commit()
    learner.post_file(sub, rec.webm(100.0), duration="100")
    learner.submit(sub)
    with app.app_context():
        row = db.session.get(Submission, sub)
        assert not row.late and row.due_at is not None


def test_receipt_is_signed_and_checks_out(app, learner, tmp_path):
    submission = _draft_with_take(learner)
    jws = learner.submit(submission).get_json()["receipt"]
    with app.app_context():
        found = verify(jws, app.extensions["pathmark"].keyring.published())
    assert found.ok and found.key == "current"
    claims = found.claims
    assert claims["submission"]["id"] == submission
    assert claims["learner"]["sub"] == "user-1"
    assert claims["course"]["context_id"] == "course-1"
    [piece] = claims["artefacts"]
    assert len(piece["sha256"]) == 64 and piece["media_type"] == "audio/webm"

    download = learner.client.get(
        f"/evidence/{learner.launch_id}/submissions/{submission}/receipt",
        query_string={"lt": learner.token},
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    path = tmp_path / "receipt.jws"
    path.write_bytes(download.data)

    runner = app.test_cli_runner()
    ok = runner.invoke(main, ["receipts", "verify", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "All stored evidence matches" in ok.output

    # Alter the stored bytes: the receipt still verifies, the evidence not.
    [stored] = stored_files(app)
    stored.write_bytes(stored.read_bytes() + b"!")
    changed = runner.invoke(main, ["receipts", "verify", str(path)])
    assert changed.exit_code == 2 and "DIFFER" in changed.output

    # Alter the receipt: the signature no longer holds.
    head, body, sig = jws.split(".")
    forged = tmp_path / "forged.jws"
    forged.write_text(f"{head}.{body[:-4]}AAAA.{sig}")
    bad = runner.invoke(main, ["receipts", "verify", str(forged)])
    assert bad.exit_code == 1 and "INVALID" in bad.output
    assert "does not hold" in bad.output


def test_receipt_page(app, learner):
    submission = _draft_with_take(learner)
    jws = learner.submit(submission).get_json()["receipt"]
    client = app.test_client()
    page = client.post("/receipts/verify", data={"text": jws})
    assert "Valid receipt: the recorded evidence matches" in page.get_data(as_text=True)
    as_json = client.post(
        "/receipts/verify",
        data={"text": "not.a.receipt"},
        headers={"Accept": "application/json"},
    ).get_json()
    assert as_json["valid"] is False
    assert "Check a submission receipt" in client.get("/receipts/verify").get_data(
        as_text=True
    )


def test_receipts_page_lists_attempt_and_download(app, learner):
    submission = _draft_with_take(learner)
    learner.submit(submission)
    html = learner.page().get_data(as_text=True)
    assert "Attempt 1: submitted" in html
    assert "Download your receipt" in html
    assert "Welcome: here is how this works" not in html


def test_submitting_queues_pending_manual_grading_for_the_gradebook(app, platform):
    place_credential(app)
    endpoint = {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": "https://platform.example/lineitems/7/lineitem",
    }
    client = app.test_client()
    response, _, _ = platform.launch(
        client,
        **{Claim.AGS_ENDPOINT: endpoint, Claim.CUSTOM: {"credential": KEY}},
    )
    location = response.headers["Location"]
    parts = urlsplit(location)
    learner = Session(
        client, parts.path.rsplit("/", 1)[-1], parse_qs(parts.query)["lt"][0]
    )
    submission = _draft_with_take(learner)
    learner.submit(submission)
    with app.app_context():
        [delivery] = db.session.scalars(db.select(ScoreDelivery)).all()
        row = db.session.get(Submission, submission)
        assert delivery.kind == "submission" and delivery.source_id == submission
        assert delivery.score["gradingProgress"] == "PendingManual"
        assert delivery.submitted_at == row.submitted_at


def test_the_page_after_submitting_opens_at_the_receipt(app, learner):
    submission = _draft_with_take(learner)
    response = learner.client.post(
        learner.url("submit"),
        data={"submission": submission, "submit_key": "s" * 20, "own_work": "yes"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#receipt-{submission}")
    page = learner.client.get(response.headers["Location"].split("#")[0])
    assert f'id="receipt-{submission}"' in page.get_data(as_text=True)
