"""Verifying scorings and releasing them to learners and the gradebook.

A moderator (another person than the assessor) verifies a scoring as it
is, adjusts it with their own levels (both scorings are kept), or sends it
back to the assessor with a note. Release makes the result final: the
learner sees it and ``signals.assessment_released`` carries a complete
``ReleaseEvent`` to grade sync and badge issuance. Receivers run inside
this transaction, so a failing receiver leaves nothing released.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import evidence, moderation, rubrics, signals
from lti_tool.assessment_rights import Actor, require_moderator, require_staff
from lti_tool.assessments import (
    RosterSource,
    check_revision,
    definition_for,
    flush_or_conflict,
    record,
    sole_verifier,
)
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import Assessment, Moderation
from lti_tool.moderation import Action, Code, Refused, Status
from lti_tool.roster import RosterUnavailable


@dataclass(frozen=True)
class Final:
    """The scoring that counts: the moderator's where they adjusted it."""

    levels: dict[str, int]
    notes: dict[str, str]
    total: float
    mastery: bool
    moderation: Moderation | None


def final_scoring(assessment: Assessment) -> Final:
    latest = assessment.moderations[-1] if assessment.moderations else None
    if latest is not None and latest.outcome == Moderation.ADJUSTED:
        return Final(
            dict(latest.levels),
            kept_notes(assessment, latest.levels, latest.notes),
            float(latest.total or 0),
            bool(latest.mastery),
            latest,
        )
    verified = latest if latest and latest.outcome == Moderation.VERIFIED else None
    return Final(
        dict(assessment.levels),
        dict(assessment.notes),
        float(assessment.total or 0),
        bool(assessment.mastery),
        verified,
    )


def kept_notes(
    assessment: Assessment,
    levels: Mapping[str, int],
    notes: Mapping[str, str],
) -> dict[str, str]:
    """The notes a learner reads after the moderator chose ``levels``.

    Per criterion: the moderator's own note where they wrote one; else the
    assessor's note while the level stands; else none, so the learner
    reads only the standard feedback of the moderator's level, never
    praise written for a level they did not get.
    """
    first = assessment.notes
    same = {cid for cid in levels if assessment.levels.get(cid) == levels[cid]}
    merged = {cid: note for cid, note in first.items() if note and cid in same}
    for cid, note in notes.items():
        # Adjustments saved before this rule copied the assessor's note in
        # as if the moderator wrote it; such a copy is not theirs.
        if note and (cid in same or note != first.get(cid)):
            merged[cid] = note
    return merged


def load(actor: Actor, assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise Refused(Code.NOT_FOUND, "There is no such assessment.")
    require_staff(actor, assessment.course_id)
    return assessment


def self_verification_open(
    actor: Actor, assessment: Assessment, roster: RosterSource | None = None
) -> bool:
    """Whether ``actor`` may verify this scoring of their own, with confirmation.

    Only the assessor, only where the credential's policy allows it and no
    one else in the course may verify; ``moderate`` enforces the same through
    ``moderation.check_four_eyes``. A roster the LMS cannot deliver closes
    the offer: whether someone else could verify is then unknown.
    """
    if assessment.assessor_id != actor.person_id:
        return False
    definition = definition_for(assessment.submission)
    if not definition.moderation.allow_self_verification:
        return False
    try:
        return sole_verifier(assessment.course_id, actor.person_id, roster)
    except RosterUnavailable:
        event("assessment.roster_unavailable", assessment=assessment.id)
        return False


def _sole_for_moderation(
    assessment: Assessment, actor: Actor, roster: RosterSource | None
) -> bool:
    """``sole_verifier`` where it matters: the assessor moderating their own."""
    if assessment.assessor_id != actor.person_id:
        return False  # four eyes hold; who else could verify does not matter
    try:
        return sole_verifier(assessment.course_id, actor.person_id, roster)
    except RosterUnavailable:
        event("assessment.roster_unavailable", assessment=assessment.id)
        raise Refused(
            Code.FOUR_EYES,
            "Pathmark could not read the course roster from the LMS, so it "
            "cannot tell whether another instructor could verify this. Try "
            "again in a moment, or ask another instructor to verify it.",
        ) from None


def moderate(
    actor: Actor,
    assessment_id: int,
    *,
    revision: int,
    action: Action,
    levels: Mapping[str, object] | None = None,
    notes: Mapping[str, str] | None = None,
    note: str = "",
    confirm_self: bool = False,
    blind: bool = False,
    roster: RosterSource | None = None,
) -> Assessment:
    """Verify, adjust or send back a submitted scoring.

    ``blind``: the adjusting moderator's levels were chosen on a page that
    hid the assessor's, so they count as an independent second scoring.
    """
    if action not in (Action.VERIFY, Action.ADJUST, Action.SEND_BACK):
        raise Refused(Code.WRONG_STATE, f"{action} is not a moderation.")
    assessment = load(actor, assessment_id)
    require_moderator(actor, assessment.course_id)
    check_revision(assessment, revision)
    before = Status(assessment.status)
    after = moderation.next_status(
        before, action, required=assessment.moderation_required
    )
    submission = assessment.submission
    definition = definition_for(submission)
    self_verified = moderation.check_four_eyes(
        definition,
        assessor_id=assessment.assessor_id or 0,
        moderator_id=actor.person_id,
        sole_verifier=_sole_for_moderation(assessment, actor, roster),
        confirmed=confirm_self,
    )
    note = note.strip()

    row = Moderation(
        assessment_id=assessment.id,
        moderator_id=actor.person_id,
        note=note,
        self_verified=self_verified,
        created_at=utcnow(),
    )
    if action is Action.VERIFY:
        row.outcome = Moderation.VERIFIED
        row.levels, row.notes = dict(assessment.levels), dict(assessment.notes)
        row.total, row.mastery = assessment.total, assessment.mastery
    elif action is Action.ADJUST:
        try:
            chosen = rubrics.parse_levels(definition.rubric, levels or {})
            kept = kept_notes(assessment, chosen, notes or {})
            scored = rubrics.compose(definition, chosen, kept)
        except rubrics.SheetError as exc:
            raise Refused(Code.BAD_SHEET, f"Not saved: {exc}.") from None
        row.outcome = Moderation.ADJUSTED
        row.blind = blind
        row.levels = scored.levels
        row.notes = {f.criterion_id: f.note for f in scored.feedback if f.note}
        row.total, row.mastery = scored.total, scored.decision.mastery
    else:
        if not note:
            raise Refused(Code.BAD_SHEET, "Say what the assessor should look at again.")
        row.outcome = Moderation.SENT_BACK
        assessment.send_back_note = note
    db.session.add(row)

    now = utcnow()
    assessment.status = after.value
    assessment.updated_by_id = actor.person_id
    assessment.updated_at = now
    if after is Status.MODERATED:
        assessment.moderator_id = actor.person_id
        assessment.self_verified = self_verified
        assessment.moderated_at = now
    flush_or_conflict(assessment)
    db.session.refresh(assessment, ["moderations"])

    record(
        actor,
        submission,
        assessment,
        row.outcome,
        before.value,
        after.value,
        levels=dict(row.levels) or None,
        total=row.total,
        mastery=row.mastery,
        self_verified=self_verified or None,
        note_given=bool(note) or None,
        blind=row.blind or None,
    )
    event(
        f"assessment.{row.outcome}",
        assessment=assessment.id,
        submission=submission.id,
        actor=actor.person_id,
        self_verified=self_verified or None,
    )
    return assessment


def release(
    actor: Actor, assessment_id: int, *, revision: int, sender: str
) -> signals.ReleaseEvent:
    """Make a final assessment visible and hand it to grade sync and badges."""
    assessment = load(actor, assessment_id)
    check_revision(assessment, revision)
    before = Status(assessment.status)
    after = moderation.next_status(
        before, Action.RELEASE, required=assessment.moderation_required
    )
    submission = assessment.submission
    definition = definition_for(submission)
    final = final_scoring(assessment)
    scored = rubrics.compose(definition, final.levels, final.notes)

    now = utcnow()
    assessment.status = after.value
    assessment.released_at = now
    assessment.updated_by_id = actor.person_id
    assessment.updated_at = now
    submission.final_at = now
    flush_or_conflict(assessment)

    release_event = signals.ReleaseEvent(
        assessment_id=assessment.id,
        submission_id=submission.id,
        resource_link_id=submission.resource_link_id,
        person_id=submission.person_id,
        credential_version_id=assessment.credential_version_id,
        launch_id=submission.launch_id or "",
        submitted_at=submission.submitted_at or assessment.created_at,
        released_at=now,
        score_given=final.total,
        score_maximum=definition.score_maximum,
        mastery=final.mastery,
        levels=dict(final.levels),
        comment=rubrics.gradebook_comment(definition, scored),
        evidence=evidence.artefact_refs(submission),
        assessor_id=assessment.assessor_id,
        moderator_id=final.moderation.moderator_id if final.moderation else None,
    )
    record(
        actor,
        submission,
        assessment,
        "released",
        before.value,
        after.value,
        levels=dict(final.levels),
        total=final.total,
        mastery=final.mastery,
    )
    signals.assessment_released.send(sender, event=release_event)
    event(
        "assessment.released",
        assessment=assessment.id,
        submission=submission.id,
        actor=actor.person_id,
        mastery=final.mastery,
    )
    return release_event


@dataclass(frozen=True)
class BatchResult:
    released: list[int]
    refused: list[tuple[int, str]]


def release_many(
    actor: Actor, items: Iterable[tuple[int, int]], *, sender: str
) -> BatchResult:
    """Release several ``(assessment id, revision)`` pairs, each on its own.

    One refused item (not yet verified, changed meanwhile) does not stop
    the others; each release runs in its own savepoint.
    """
    released, refused = [], []
    for assessment_id, revision in items:
        savepoint = db.session.begin_nested()
        try:
            release(actor, assessment_id, revision=revision, sender=sender)
        except Refused as exc:
            if savepoint.is_active:
                savepoint.rollback()
            refused.append((assessment_id, exc.message))
            continue
        savepoint.commit()
        released.append(assessment_id)
    return BatchResult(released, refused)


def results_for(actor: Actor, resource_link_id: int) -> list[Assessment]:
    """A learner's released assessments on one activity; never drafts."""
    return list(
        db.session.scalars(
            select(Assessment)
            .where(
                Assessment.learner_id == actor.person_id,
                Assessment.resource_link_id == resource_link_id,
                Assessment.course_id == actor.course_id,
                Assessment.status == Status.RELEASED.value,
            )
            .order_by(Assessment.released_at.desc())
        )
    )
