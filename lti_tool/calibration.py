"""The calibration set: verified work with agreed levels, for mentors to practise.

Rule for learners' work: a submission becomes a calibration item only
when its learner has agreed, in Pathmark, that their assessed work in that
course may train its mentors (``CalibrationConsent``), and only when no
other person appears in it (no participant consents on the submission).
Withdrawing the agreement retires that learner's items at once; items are
also checked against the agreement every time they are read.

Only moderators (the course's instructors) add items, and only from a
scoring a second person verified or adjusted: its final levels become the
agreed levels. Any staff member practises. Practice scorings are stored
apart and never touch assessments, the audit trail, grades or badges.
Pages never show who made an item's work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import agreement, catalogue, rubrics
from lti_tool.assessment_rights import Actor, require_moderator, require_staff
from lti_tool.assessments import assessment_of, load_submission
from lti_tool.credentials import CredentialDefinition
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import (
    CalibrationConsent,
    CalibrationItem,
    Moderation,
    ParticipantConsent,
    PracticeScoring,
)
from lti_tool.moderation import Code, Refused, Status
from lti_tool.releases import final_scoring

CONSENT_STATEMENT = (
    "My assessed work in this course may be used, without my name, as a "
    "practice item to train this course's mentors. I can withdraw this at "
    "any time; my work then stops being used."
)


# Learners' agreement


def consent_of(actor: Actor) -> CalibrationConsent | None:
    """The person's agreement in their launch's course, while it stands."""
    if actor.course_id is None:
        return None
    row = db.session.scalar(
        select(CalibrationConsent).where(
            CalibrationConsent.course_id == actor.course_id,
            CalibrationConsent.person_id == actor.person_id,
        )
    )
    return row if row is not None and row.withdrawn_at is None else None


def set_consent(actor: Actor, agree: bool) -> None:
    """Record or withdraw the person's own agreement for their course."""
    if actor.course_id is None:
        raise Refused(Code.NOT_FOUND, "Open Pathmark from a course first.")
    row = db.session.scalar(
        select(CalibrationConsent).where(
            CalibrationConsent.course_id == actor.course_id,
            CalibrationConsent.person_id == actor.person_id,
        )
    )
    now = utcnow()
    if agree:
        if row is None:
            row = CalibrationConsent(
                course_id=actor.course_id, person_id=actor.person_id
            )
            db.session.add(row)
        row.statement, row.given_at, row.withdrawn_at = CONSENT_STATEMENT, now, None
    elif row is not None and row.withdrawn_at is None:
        row.withdrawn_at = now
        items = db.session.scalars(
            select(CalibrationItem).where(
                CalibrationItem.course_id == actor.course_id,
                CalibrationItem.retired_at.is_(None),
            )
        )
        for item in items:
            if item.submission.person_id == actor.person_id:
                item.retired_at, item.retired_reason = now, "consent withdrawn"
    db.session.flush()
    event(
        "calibration.consent_given" if agree else "calibration.consent_withdrawn",
        person=actor.person_id,
        course=actor.course_id,
    )


def _consents(course_id: int, person_id: int) -> bool:
    return (
        db.session.scalar(
            select(CalibrationConsent.id).where(
                CalibrationConsent.course_id == course_id,
                CalibrationConsent.person_id == person_id,
                CalibrationConsent.withdrawn_at.is_(None),
            )
        )
        is not None
    )


# Adding and retiring items


def why_not(submission, assessment, course_id: int) -> str | None:
    """Why this work cannot be a calibration item; ``None`` when it can."""
    if assessment is None or assessment.status not in (
        Status.MODERATED.value,
        Status.RELEASED.value,
    ):
        return "Only work whose scoring a second person verified can be used."
    if not any(
        m.outcome in (Moderation.VERIFIED, Moderation.ADJUSTED)
        for m in assessment.moderations
    ):
        return "Only work whose scoring a second person verified can be used."
    if not _consents(course_id, submission.person_id):
        return (
            "The learner has not agreed to their work being used to train "
            "mentors, so it cannot be a practice item."
        )
    others = db.session.scalar(
        select(ParticipantConsent.id).where(
            ParticipantConsent.submission_id == submission.id
        )
    )
    if others is not None:
        return "Other people appear in this work, so it cannot be a practice item."
    pieces = [a for a in submission.artefacts if not a.withdrawn_at]
    if not pieces or any(a.media_expired_at for a in pieces):
        return "The evidence is no longer kept in full."
    return None


def item_of(submission_id: int) -> CalibrationItem | None:
    return db.session.scalar(
        select(CalibrationItem).where(CalibrationItem.submission_id == submission_id)
    )


def add_item(actor: Actor, submission_id: int) -> CalibrationItem:
    """A moderator turns verified, agreed-to work into a practice item."""
    submission = load_submission(actor, submission_id)
    course_id = submission.resource_link.course_id
    require_moderator(actor, course_id)
    assessment = assessment_of(submission.id)
    reason = why_not(submission, assessment, course_id)
    if reason is not None:
        raise Refused(Code.WRONG_STATE, reason)
    existing = item_of(submission.id)
    if existing is not None and existing.retired_at is None:
        raise Refused(Code.WRONG_STATE, "This work is in the calibration set already.")
    definition = catalogue.definition(
        catalogue.version(assessment.credential_version_id)
    )
    agreed = final_scoring(assessment).levels
    if existing is None:
        existing = CalibrationItem(submission_id=submission.id)
        db.session.add(existing)
    existing.course_id = course_id
    existing.credential_key = definition.key
    existing.credential_version_id = assessment.credential_version_id
    existing.assessment_id = assessment.id
    existing.agreed_levels = dict(agreed)
    existing.created_by_id = actor.person_id
    existing.created_at = utcnow()
    existing.retired_at, existing.retired_reason = None, ""
    db.session.flush()
    event(
        "calibration.item_added",
        item=existing.id,
        submission=submission.id,
        actor=actor.person_id,
    )
    return existing


def retire(actor: Actor, item_id: int) -> None:
    """A moderator takes an item out of the set; past practice stays."""
    item = load_item(actor, item_id)
    require_moderator(actor, item.course_id)
    item.retired_at, item.retired_reason = utcnow(), "retired by staff"
    db.session.flush()
    event("calibration.item_retired", item=item.id, actor=actor.person_id)


# Practising


def _usable(item: CalibrationItem) -> bool:
    """Still in the set and still allowed: agreement, verification, media."""
    if item.retired_at is not None:
        return False
    assessment = assessment_of(item.submission_id)
    return why_not(item.submission, assessment, item.course_id) is None


def _active(actor: Actor, credential_key: str | None = None):
    query = select(CalibrationItem).where(
        CalibrationItem.course_id == actor.course_id,
        CalibrationItem.retired_at.is_(None),
    )
    if credential_key is not None:
        query = query.where(CalibrationItem.credential_key == credential_key)
    items = db.session.scalars(query.order_by(CalibrationItem.id))
    return [item for item in items if _usable(item)]


def practice_set(actor: Actor, credential_key: str | None) -> list[CalibrationItem]:
    """The course's usable items for one credential, oldest first."""
    require_staff(actor, actor.course_id)
    return _active(actor, credential_key)


def load_item(actor: Actor, item_id: int) -> CalibrationItem:
    """A usable item of the actor's course; anything else is not found."""
    require_staff(actor, actor.course_id)
    item = db.session.get(CalibrationItem, item_id)
    if item is None or item.course_id != actor.course_id or not _usable(item):
        raise Refused(Code.NOT_FOUND, "There is no such practice item.")
    return item


def definition_of(item: CalibrationItem) -> CredentialDefinition:
    return catalogue.definition(catalogue.version(item.credential_version_id))


@dataclass(frozen=True)
class CriterionResult:
    criterion_id: str
    title: str
    mine: int
    agreed: int

    @property
    def difference(self) -> int:
        return self.mine - self.agreed


@dataclass(frozen=True)
class Comparison:
    """A practice scoring beside the agreed levels, criterion by criterion."""

    rows: tuple[CriterionResult, ...]
    figures: agreement.Agreement


def compare(
    definition: CredentialDefinition,
    mine: Mapping[str, int],
    agreed: Mapping[str, int],
) -> Comparison:
    """Per criterion: the practice level, the agreed one; exact and adjacent."""
    rows = tuple(
        CriterionResult(c.id, c.title, mine[c.id], agreed[c.id])
        for c in definition.rubric.criteria
        if c.id in mine and c.id in agreed
    )
    figures = agreement.agreement((r.mine, r.agreed) for r in rows)
    return Comparison(rows, figures)


def practise(
    actor: Actor, item_id: int, raw_levels: Mapping[str, object]
) -> PracticeScoring:
    """Store a practice scoring of every criterion; nothing else changes."""
    item = load_item(actor, item_id)
    definition = definition_of(item)
    try:
        levels = rubrics.parse_levels(definition.rubric, raw_levels)
    except rubrics.SheetError as exc:
        raise Refused(Code.BAD_SHEET, f"Not compared: {exc}.") from None
    missing = [c.title for c in definition.rubric.criteria if c.id not in levels]
    if missing:
        raise Refused(
            Code.BAD_SHEET, "Pick a level for every criterion: " + ", ".join(missing)
        )
    row = PracticeScoring(
        item_id=item.id, person_id=actor.person_id, levels=levels, created_at=utcnow()
    )
    db.session.add(row)
    db.session.flush()
    event("calibration.practised", item=item.id, scoring=row.id, actor=actor.person_id)
    return row


def scoring_of(actor: Actor, scoring_id: int) -> PracticeScoring:
    """One of the actor's own practice scorings; others' are not found."""
    require_staff(actor, actor.course_id)
    row = db.session.get(PracticeScoring, scoring_id)
    if (
        row is None
        or row.person_id != actor.person_id
        or row.item.course_id != actor.course_id
    ):
        raise Refused(Code.NOT_FOUND, "There is no such practice scoring.")
    return row


def latest_scorings(
    actor: Actor, items: list[CalibrationItem]
) -> dict[int, PracticeScoring]:
    """The actor's latest practice scoring of each item, by item id."""
    if not items:
        return {}
    rows = db.session.scalars(
        select(PracticeScoring)
        .where(
            PracticeScoring.person_id == actor.person_id,
            PracticeScoring.item_id.in_([i.id for i in items]),
        )
        .order_by(PracticeScoring.id)
    )
    return {row.item_id: row for row in rows}


def overall(actor: Actor, items: list[CalibrationItem]) -> agreement.Agreement:
    """Exact and adjacent agreement over the actor's latest practice per item."""
    latest = latest_scorings(actor, items)
    pairs = []
    for item in items:
        row = latest.get(item.id)
        if row is None:
            continue
        result = compare(definition_of(item), row.levels, item.agreed_levels)
        pairs += [(r.mine, r.agreed) for r in result.rows]
    return agreement.agreement(pairs)
