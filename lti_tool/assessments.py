"""Scoring submissions: drafts, submitting, returning work, the audit trail.

The database side of assessment; the rules themselves live in
``rubrics`` (sheets), ``moderation`` (policy, four eyes, states) and
``assessment_rights`` (who). Every change names the revision the person
saw: another revision means someone else changed the assessment since,
and the change is refused with a conflict instead of overwriting theirs.
Functions flush; the caller commits, so one request is one transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from lti_tool import catalogue, moderation, rubrics, sampling
from lti_tool.assessment_rights import Actor, is_moderator, require_staff
from lti_tool.credentials import CredentialDefinition
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import (
    Assessment,
    AuditEntry,
    Membership,
    Moderation,
    Person,
    ResourceLink,
    Submission,
)
from lti_tool.moderation import Action, Code, Refused, Status
from lti_tool.roles import CourseRole
from lti_tool.roster import Member

# The course roster from the LMS, read only when needed (see sole_verifier).
RosterSource = Callable[[], list[Member] | None]

_random = random.SystemRandom()


@dataclass(frozen=True)
class Sheet:
    """What the scoring screen shows: the work, its rubric, its state."""

    submission: Submission
    definition: CredentialDefinition
    assessment: Assessment | None
    audit: list[AuditEntry]

    @property
    def revision(self) -> int:
        return self.assessment.revision if self.assessment else 0

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else "new"


def course_of(submission: Submission) -> int | None:
    link = db.session.get(ResourceLink, submission.resource_link_id)
    return link.course_id if link is not None else None


def definition_for(submission: Submission) -> CredentialDefinition:
    """The exact credential version the attempt was made against."""
    row = catalogue.version(submission.credential_version_id)
    if row is None:
        found = catalogue.for_link(submission.resource_link)
        if found is None:
            raise Refused(
                Code.BAD_SHEET,
                "No credential is placed on this activity, so there is no "
                "rubric to score against.",
            )
        return found
    return catalogue.definition(row)


def version_id_for(submission: Submission) -> int:
    if submission.credential_version_id is not None:
        return submission.credential_version_id
    link = submission.resource_link
    if link.credential_version_id is not None:
        return link.credential_version_id
    row = catalogue.current_version(link.credential_key or "", link.course_id)
    if row is None:
        raise Refused(Code.BAD_SHEET, "No credential is placed on this activity.")
    return row.id


def load_submission(actor: Actor, submission_id: int) -> Submission:
    """A handed-in submission of the actor's course; refuses anything else."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise Refused(Code.NOT_FOUND, "There is no such submission.")
    require_staff(actor, course_of(submission))
    if submission.status == Submission.DRAFT:
        raise Refused(
            Code.WRONG_STATE, "The learner has not handed this attempt in yet."
        )
    return submission


def assessment_of(submission_id: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.submission_id == submission_id)
    )


def audit_of(submission_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.submission_id == submission_id)
            .order_by(AuditEntry.id)
        )
    )


def return_notes(submission_ids: list[int]) -> dict[int, str]:
    """What staff asked the learner to change, per returned submission.

    A return writes its note as the assessment's overall comment and says in
    the audit entry whether it gave one, so a draft comment the assessor left
    without a note never reaches the learner.
    """
    if not submission_ids:
        return {}
    rows = db.session.execute(
        select(AuditEntry, Assessment.overall)
        .join(Assessment, Assessment.id == AuditEntry.assessment_id)
        .where(
            AuditEntry.submission_id.in_(submission_ids),
            AuditEntry.action == "returned",
        )
        .order_by(AuditEntry.id)
    )
    found = {}
    for entry, overall in rows:
        if entry.detail.get("note_given") and overall:
            found[entry.submission_id] = overall
    return found


def sheet(actor: Actor, submission_id: int) -> Sheet:
    submission = load_submission(actor, submission_id)
    return Sheet(
        submission=submission,
        definition=definition_for(submission),
        assessment=assessment_of(submission.id),
        audit=audit_of(submission.id),
    )


def record(
    actor: Actor,
    submission: Submission,
    assessment: Assessment | None,
    action: str,
    before: str,
    after: str,
    **detail: Any,
) -> AuditEntry:
    """Append one decision to the audit trail."""
    entry = AuditEntry(
        submission_id=submission.id,
        assessment_id=assessment.id if assessment else None,
        course_id=course_of(submission),
        actor_id=actor.person_id,
        action=action,
        from_status=before,
        to_status=after,
        detail={k: v for k, v in detail.items() if v is not None},
        at=utcnow(),
    )
    db.session.add(entry)
    return entry


def check_revision(assessment: Assessment | None, seen: int) -> None:
    """Refuse a change made on an out-of-date screen, saying who changed it."""
    current = assessment.revision if assessment else 0
    if current == seen:
        return
    raise conflict(assessment)


def conflict(assessment: Assessment | None) -> Refused:
    who, when, status = "Someone else", "", ""
    if assessment is not None:
        db.session.refresh(assessment)
        if assessment.updated_by is not None:
            who = assessment.updated_by.name or "Another staff member"
        when = f" at {assessment.updated_at:%H:%M} UTC"
        status = f" (it is now {assessment.status})"
    return Refused(
        Code.CONFLICT,
        f"{who} changed this assessment{when}{status} after you opened it. "
        "Your choices are kept on this page: compare them with the saved "
        "version and save again.",
    )


def flush_or_conflict(assessment: Assessment) -> None:
    """Flush; a concurrent change to the same row becomes a conflict.

    The session then needs a rollback, which the caller does (the request,
    or the savepoint of one item in a batch).
    """
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        raise Refused(
            Code.CONFLICT,
            "Someone else saved this assessment at the same moment. Your "
            "choices are kept on this page: reload the saved version, "
            "compare and save again.",
        ) from None


def sole_verifier(
    course_id: int, person_id: int, roster: RosterSource | None = None
) -> bool:
    """True when no one but ``person_id`` may verify scorings in the course.

    Teaching assistants and mentors score but do not verify, so they do not
    count: one instructor with helpers is still the only possible verifier.
    Staff who launched Pathmark in the course count, and so do the active
    instructors on the LMS's roster (NRPS) when ``roster`` yields one, so a
    second teacher who never opened Pathmark is not overlooked. ``roster``
    is called only when the launched staff leave the question open; it
    returns ``None`` when the LMS offers no roster and raises
    ``RosterUnavailable`` when it offers one it cannot deliver.
    """
    rows = db.session.scalars(
        select(Membership.roles).where(
            Membership.course_id == course_id,
            Membership.course_role == CourseRole.STAFF.value,
            Membership.person_id != person_id,
        )
    )
    if any(is_moderator(roles or []) for roles in rows):
        return False
    members = roster() if roster is not None else None
    if members is None:
        return True
    person = db.session.get(Person, person_id)
    own = person.sub if person is not None else None
    return not any(
        m.active and m.user_id != own and is_moderator(m.roles) for m in members
    )


def _sent_back(assessment: Assessment) -> bool:
    """Whether a moderator ever sent this scoring back to its assessor."""
    return any(m.outcome == Moderation.SENT_BACK for m in assessment.moderations)


def save(
    actor: Actor,
    submission_id: int,
    *,
    revision: int,
    levels: Mapping[str, object],
    notes: Mapping[str, str],
    overall: str = "",
    submit: bool = False,
    draw: float | None = None,
) -> Assessment:
    """Save a draft scoring, or submit it complete.

    ``levels`` are form values (criterion id -> level number as text).
    Submitting applies the credential's moderation policy: ``draw`` is the
    random number for sampling (drawn here when not given).
    """
    submission = load_submission(actor, submission_id)
    if submission.status == Submission.RETURNED:
        raise Refused(
            Code.WRONG_STATE, "This work was returned to the learner for a new attempt."
        )
    definition = definition_for(submission)
    assessment = assessment_of(submission.id)
    check_revision(assessment, revision)
    # Read before the changes below, so loading it flushes nothing early.
    sent_back = assessment is not None and _sent_back(assessment)
    before = assessment.status if assessment else Status.DRAFT
    action = Action.SUBMIT if submit else Action.SAVE
    after = moderation.next_status(before, action, required=False)

    try:
        chosen = rubrics.parse_levels(definition.rubric, levels)
        clean_notes = {
            k: v.strip() for k, v in notes.items() if isinstance(v, str) and v.strip()
        }
        scored = None
        if submit:
            scored = rubrics.compose(definition, chosen, clean_notes, overall)
        else:
            rubrics.check_draft(definition.rubric, chosen)
            rubrics.check_notes(definition.rubric, clean_notes, overall)
    except rubrics.SheetError as exc:
        raise Refused(Code.BAD_SHEET, f"Not saved: {exc}.") from None

    now = utcnow()
    if assessment is None:
        assessment = Assessment(
            submission_id=submission.id,
            course_id=course_of(submission),
            resource_link_id=submission.resource_link_id,
            learner_id=submission.person_id,
            credential_version_id=version_id_for(submission),
            assessor_id=actor.person_id,
            status=Status.DRAFT.value,
            created_at=now,
        )
        db.session.add(assessment)
    assessment.levels = chosen
    assessment.notes = clean_notes
    assessment.overall = overall.strip()
    assessment.status = after.value
    assessment.updated_by_id = actor.person_id
    assessment.updated_at = now
    pick = None
    if scored is not None:
        if sent_back:
            # A moderator doubted this decision: it is verified again, and a
            # fresh draw (or a new tally entry) must not let it through.
            pick = moderation.Pick(True, "sent back: verified again")
        else:
            pick = sampling.pick_and_count(
                definition,
                scored.levels,
                _random.random() if draw is None else draw,
                course_id=assessment.course_id,
                assessor_id=actor.person_id,
            )
        assessment.assessor_id = actor.person_id
        assessment.total = scored.total
        assessment.mastery = scored.decision.mastery
        assessment.moderation_required = pick.required
        assessment.moderation_reason = pick.reason
        assessment.scored_at = now
        assessment.send_back_note = ""
    flush_or_conflict(assessment)
    catalogue.mark_in_use(assessment.credential_version_id)

    record(
        actor,
        submission,
        assessment,
        "scored" if submit else "draft_saved",
        str(before),
        after.value,
        levels=dict(chosen),
        total=assessment.total if submit else None,
        mastery=assessment.mastery if submit else None,
        moderation=pick.reason if pick else None,
    )
    event(
        "assessment.scored" if submit else "assessment.draft_saved",
        assessment=assessment.id,
        submission=submission.id,
        actor=actor.person_id,
        moderation_required=assessment.moderation_required if submit else None,
    )
    return assessment


def return_for_resubmission(
    actor: Actor, submission_id: int, *, revision: int, note: str = ""
) -> Assessment:
    """Staff hand unreleased work back to the learner for a new attempt."""
    submission = load_submission(actor, submission_id)
    if submission.status == Submission.RETURNED:
        raise Refused(Code.WRONG_STATE, "This work was already returned.")
    definition = definition_for(submission)
    if not definition.evidence.resubmission:
        raise Refused(
            Code.WRONG_STATE,
            "This credential does not allow resubmission after assessment.",
        )
    assessment = assessment_of(submission.id)
    check_revision(assessment, revision)
    before = assessment.status if assessment else Status.DRAFT
    after = moderation.next_status(before, Action.RETURN, required=False)
    now = utcnow()
    if assessment is None:
        assessment = Assessment(
            submission_id=submission.id,
            course_id=course_of(submission),
            resource_link_id=submission.resource_link_id,
            learner_id=submission.person_id,
            credential_version_id=version_id_for(submission),
            assessor_id=actor.person_id,
            created_at=now,
        )
        db.session.add(assessment)
    assessment.status = after.value
    assessment.overall = note.strip() or assessment.overall
    assessment.returned_at = now
    assessment.updated_by_id = actor.person_id
    assessment.updated_at = now
    submission.status = Submission.RETURNED
    submission.returned_at = now
    flush_or_conflict(assessment)
    record(
        actor,
        submission,
        assessment,
        "returned",
        str(before),
        after.value,
        note_given=bool(note.strip()),
    )
    event(
        "assessment.returned",
        assessment=assessment.id,
        submission=submission.id,
        actor=actor.person_id,
    )
    return assessment
