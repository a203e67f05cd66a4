"""Attempts and their artefacts: drafts, takes, submitting, who may see what.

Flask-free: the views turn HTTP into these calls. A submission is a draft
until the learner submits it with the own-work statement; then it and its
artefacts never change again. A new attempt opens only where the
credential allows resubmission or after staff returned the work.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from lti_tool import catalogue, deadlines, take_length
from lti_tool.credentials import CredentialDefinition, EvidenceRequirements
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.intake import Received
from lti_tool.models import (
    Artefact,
    Launch,
    ParticipantConsent,
    ResourceLink,
    Submission,
)
from lti_tool.signals import ArtefactRef, SubmissionEvent, submission_submitted

# Types accepted when a credential names none, per kind of evidence.
DEFAULT_TYPES = {
    "recording": (
        "audio/webm",
        "video/webm",
        "audio/ogg",
        "audio/mp4",
        "video/mp4",
        "audio/mpeg",
        "audio/wav",
    ),
    "upload": (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "audio/webm",
        "video/webm",
        "audio/mp4",
        "video/mp4",
        "audio/mpeg",
        "audio/wav",
    ),
    "text": ("text/plain",),
    "link": ("text/uri-list",),
}
# A caption or transcript is kept up to this many characters; the page's
# boxes stop there too, so nothing typed is cut unseen.
MAX_CAPTION_CHARS = 10_000
# How an artefact was captured, by kind. A file is "uploaded" unless the
# server can vouch that it was recorded in Pathmark (lti_tool.recording_tickets).
CAPTURE_MODES = {"recording": "uploaded", "upload": "uploaded"}
CAPTURE_LABELS = {
    "recorded": "recorded in Pathmark",
    "uploaded": "uploaded",
    "typed": "typed in Pathmark",
}


def capture_label(mode: str) -> str:
    """How a piece was captured, in the words staff and learners read."""
    return CAPTURE_LABELS.get(mode, mode)


class EvidenceError(Exception):
    """A request the attempt's state does not allow; said to the learner."""

    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Activity:
    """A resource link with the credential version placed on it."""

    link: ResourceLink
    version_id: int | None
    definition: CredentialDefinition | None

    @property
    def requirements(self) -> EvidenceRequirements:
        if self.definition is None:
            return EvidenceRequirements(kinds=("upload", "text"))
        return self.definition.evidence

    def allowed_types(self, kind: str) -> tuple[str, ...]:
        named = self.requirements.media_types
        if kind in {"recording", "upload"} and named:
            return tuple(named)
        return DEFAULT_TYPES[kind]

    def limit(self, global_limit: int) -> int:
        return min(self.requirements.max_bytes, global_limit)


def activity_for(link: ResourceLink) -> Activity:
    row = catalogue.version(link.credential_version_id)
    if row is None and link.credential_key:
        row = catalogue.current_version(link.credential_key, link.course_id)
    definition = catalogue.definition(row) if row is not None else None
    return Activity(link, row.id if row is not None else None, definition)


# Attempts


def attempts(link_id: int, person_id: int) -> list[Submission]:
    return list(
        db.session.scalars(
            select(Submission)
            .where(
                Submission.resource_link_id == link_id,
                Submission.person_id == person_id,
            )
            .order_by(Submission.attempt)
        )
    )


def latest(link_id: int, person_id: int) -> Submission | None:
    found = attempts(link_id, person_id)
    return found[-1] if found else None


def may_start_again(activity: Activity, last: Submission) -> bool:
    if last.status == Submission.RETURNED:
        return True
    return last.status == Submission.SUBMITTED and activity.requirements.resubmission


def draft_for(activity: Activity, launch: Launch) -> Submission:
    """The learner's open draft here, opening one where that is allowed."""
    last = latest(activity.link.id, launch.person_id)
    if last is not None and last.status == Submission.DRAFT:
        return last
    if last is not None and not may_start_again(activity, last):
        raise EvidenceError(
            "closed",
            "You have already submitted this task. You can hand in again "
            "once your teacher returns it.",
        )
    submission = Submission(
        resource_link_id=activity.link.id,
        person_id=launch.person_id,
        credential_version_id=activity.version_id,
        attempt=(last.attempt + 1) if last else 1,
        status=Submission.DRAFT,
        launch_id=launch.id,
    )
    db.session.add(submission)
    db.session.flush()
    event(
        "evidence.draft_opened",
        submission=submission.id,
        link=activity.link.id,
        person=launch.person_id,
        attempt=submission.attempt,
    )
    return submission


def owned(submission_id: int, launch: Launch) -> Submission:
    """An attempt of the launch's learner here; anyone else's is "not found"."""
    submission = db.session.get(Submission, submission_id)
    if (
        submission is None
        or submission.person_id != launch.person_id
        or submission.resource_link_id != launch.resource_link_id
    ):
        event(
            "evidence.refused",
            logging.WARNING,
            reason="not_owner",
            submission=submission_id,
            person=launch.person_id,
        )
        raise EvidenceError("not_found", "There is no such attempt.", status=404)
    return submission


def owned_draft(submission_id: int, launch: Launch) -> Submission:
    """A draft of the launch's learner; a submitted one cannot change."""
    submission = owned(submission_id, launch)
    if submission.status != Submission.DRAFT:
        raise EvidenceError(
            "submitted", "This attempt is already submitted and cannot change."
        )
    return submission


def active_artefacts(submission: Submission) -> list[Artefact]:
    return [a for a in submission.artefacts if a.withdrawn_at is None]


def check_take_allowed(activity: Activity, submission: Submission) -> None:
    """Refuse a new recording once every allowed take was used."""
    takes = max(1, activity.requirements.takes)
    if submission.takes_used >= takes:
        raise EvidenceError(
            "no_takes_left",
            f"You have used all {takes} recording take(s) for this attempt.",
        )


def add_artefact(
    activity: Activity,
    submission: Submission,
    received: Received,
    *,
    kind: str,
    original_name: str = "",
    duration: float | None = None,
    measured: float | None = None,
    caption: str = "",
    capture_mode: str | None = None,
) -> Artefact:
    """Record a received file as evidence in the draft.

    ``measured`` is the length read from the file; ``duration`` the
    browser's figure, kept as a hint. ``capture_mode`` is what the server
    established; without it a file counts as "uploaded".
    """
    if kind not in activity.requirements.kinds:
        raise EvidenceError("kind_not_allowed", "This task does not take that kind.")
    if kind == "recording":
        check_take_allowed(activity, submission)
        # Only the last take counts: earlier ones leave the draft.
        for old in active_artefacts(submission):
            if old.kind == "recording":
                old.withdrawn_at = utcnow()
        # Counted atomically, so two takes at once cannot both slip in.
        done = db.session.execute(
            update(Submission)
            .where(
                Submission.id == submission.id,
                Submission.takes_used == submission.takes_used,
            )
            .values(takes_used=Submission.takes_used + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            raise EvidenceError("busy", "Another take arrived at the same time.")
        db.session.refresh(submission, ["takes_used"])
    supervision = "unsupervised"
    if activity.definition is not None:
        supervision = activity.definition.eu.supervision
    artefact = Artefact(
        id=secrets.token_hex(16),
        submission_id=submission.id,
        sha256=received.sha256,
        size=received.size,
        media_type=received.media_type,
        original_name=display_name(original_name),
        capture_mode=capture_mode or CAPTURE_MODES.get(kind, "typed"),
        supervision=supervision,
        kind=kind,
        duration_seconds=measured,
        duration_hint_seconds=duration,
        caption=caption.strip()[:MAX_CAPTION_CHARS],
        storage_key=received.storage_key,
    )
    db.session.add(artefact)
    db.session.flush()
    event(
        "evidence.artefact_added",
        submission=submission.id,
        artefact=artefact.id,
        kind=kind,
        size=artefact.size,
        media_type=artefact.media_type,
        seconds=measured,
    )
    return artefact


def withdraw(submission: Submission, artefact_id: str) -> None:
    for artefact in active_artefacts(submission):
        if artefact.id == artefact_id:
            artefact.withdrawn_at = utcnow()
            event("evidence.artefact_withdrawn", artefact=artefact.id)
            return
    raise EvidenceError("not_found", "There is no such piece of evidence.", 404)


def display_name(name: str) -> str:
    """A file name safe to show: no folders, no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    return name[:200]


def record_consent(submission: Submission, participant: str, statement: str) -> None:
    participant = " ".join(participant.split())[:200]
    if not participant:
        raise EvidenceError("consent_name", "Name the person who agreed.", 400)
    db.session.add(
        ParticipantConsent(
            submission_id=submission.id, participant=participant, statement=statement
        )
    )


# Submitting


def _check_complete(activity: Activity, submission: Submission) -> list[Artefact]:
    pieces = active_artefacts(submission)
    if not pieces:
        raise EvidenceError("nothing_to_submit", "Add your evidence first.", 400)
    req = activity.requirements
    for piece in pieces:
        if not take_length.applies(req, piece):
            continue
        if found := take_length.problem(req, piece):
            raise EvidenceError(*found, 400)
    return pieces


def submit(
    activity: Activity,
    submission: Submission,
    launch: Launch,
    *,
    own_work: bool,
    statement: str,
    submit_key: str,
    sign_receipt,
    sender: Any = "pathmark",
    now: datetime | None = None,
) -> tuple[Submission, bool]:
    """Submit a draft; return it and whether this call did it.

    A second call with the same ``submit_key`` (a double-clicked button)
    returns the same submission and does nothing more.
    """
    if submission.status != Submission.DRAFT:
        if submission.submit_key == submit_key:
            return submission, False
        raise EvidenceError("submitted", "This attempt is already submitted.")
    if not own_work:
        raise EvidenceError(
            "own_work",
            "Please confirm that this is your own work before submitting.",
            400,
        )
    pieces = _check_complete(activity, submission)
    now = now or utcnow()
    due = deadlines.due_at(activity.link.id, launch)
    done = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == Submission.DRAFT)
        .values(
            status=Submission.SUBMITTED,
            submit_key=submit_key,
            submitted_at=now,
            own_work_at=now,
            own_work_statement=statement,
            due_at=due,
            late=bool(due and now > due),
            launch_id=launch.id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(submission)
    if done.rowcount != 1:
        if submission.submit_key == submit_key:
            return submission, False
        raise EvidenceError("submitted", "This attempt is already submitted.")
    catalogue.mark_in_use(submission.credential_version_id)
    submission.receipt = sign_receipt(submission)
    db.session.flush()
    score_maximum = activity.definition.score_maximum if activity.definition else 0.0
    submission_submitted.send(
        sender,
        event=SubmissionEvent(
            submission_id=submission.id,
            resource_link_id=submission.resource_link_id,
            person_id=submission.person_id,
            credential_version_id=submission.credential_version_id,
            launch_id=launch.id,
            submitted_at=now,
            score_maximum=score_maximum,
        ),
    )
    event(
        "evidence.submitted",
        submission=submission.id,
        link=submission.resource_link_id,
        person=submission.person_id,
        attempt=submission.attempt,
        artefacts=len(pieces),
        late=submission.late,
    )
    return submission, True


def artefact_refs(submission: Submission) -> tuple[ArtefactRef, ...]:
    """The submitted artefacts as digests, for assessment and badges."""
    return tuple(
        ArtefactRef(
            artefact_id=a.id,
            sha256=a.sha256,
            media_type=a.media_type,
            size=a.size,
            capture_mode=a.capture_mode,
            received_at=a.received_at,
            supervision=a.supervision,
        )
        for a in active_artefacts(submission)
    )


def return_to_learner(submission: Submission) -> None:
    """Staff hand the work back: the learner may submit a new attempt."""
    if submission.status != Submission.SUBMITTED:
        raise EvidenceError("not_submitted", "Only submitted work can be returned.")
    submission.status = Submission.RETURNED
    submission.returned_at = utcnow()
    event("evidence.returned", submission=submission.id)
