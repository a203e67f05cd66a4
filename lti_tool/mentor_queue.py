"""The mentor's queue: handed-in attempts by what they wait for.

Per activity (resource link) or for the whole course: to assess, to
moderate, ready to release, returned, released, with counts and late work
flagged. The roster from NRPS adds who has not handed anything in.
Also the course's consistency figures over double-scored criteria.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from lti_tool import agreement
from lti_tool.assessment_rights import Actor, require_course, require_staff
from lti_tool.db import db
from lti_tool.models import (
    Assessment,
    AuditEntry,
    Moderation,
    Person,
    ResourceLink,
    Submission,
)
from lti_tool.moderation import Code, Refused, Status
from lti_tool.roles import CourseRole
from lti_tool.roster import Member

BUCKETS = ("to_assess", "to_moderate", "to_release", "returned", "released")
TITLES = {
    "to_assess": "To assess",
    "to_moderate": "To moderate",
    "to_release": "Ready to release",
    "returned": "Returned",
    "released": "Released",
}


def bucket(
    submission_status: str, status: str | None, moderation_required: bool
) -> str:
    """Where a handed-in attempt sits, from its own and its assessment's state."""
    if status == Status.RELEASED:
        return "released"
    if status == Status.RETURNED or submission_status == Submission.RETURNED:
        return "returned"
    if status == Status.MODERATED:
        return "to_release"
    if status == Status.SCORED:
        return "to_moderate" if moderation_required else "to_release"
    return "to_assess"


@dataclass(frozen=True)
class Row:
    """One handed-in attempt as the queue lists it (plain values)."""

    submission_id: int
    attempt: int
    submitted_at: datetime | None
    late: bool
    learner_id: int
    learner_name: str
    link_title: str
    assessment_id: int | None
    status: str | None
    revision: int | None
    sent_back: bool
    bucket: str


@dataclass
class Queue:
    rows: dict[str, list[Row]] = field(
        default_factory=lambda: {name: [] for name in BUCKETS}
    )

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}


def queue(actor: Actor, resource_link_id: int | None = None) -> Queue:
    """The handed-in attempts of one activity, or of the actor's course.

    Reads plain columns, not whole rows: at 2000 attempts building ORM
    objects took most of the page's time.
    """
    require_staff(actor, actor.course_id)
    query = (
        select(
            Submission.id,
            Submission.attempt,
            Submission.submitted_at,
            Submission.late,
            Submission.status,
            Person.id,
            Person.name,
            ResourceLink.title,
            Assessment.id,
            Assessment.status,
            Assessment.revision,
            Assessment.moderation_required,
            Assessment.send_back_note,
        )
        .join(ResourceLink, Submission.resource_link_id == ResourceLink.id)
        .join(Person, Submission.person_id == Person.id)
        .outerjoin(Assessment, Assessment.submission_id == Submission.id)
        .where(
            ResourceLink.course_id == actor.course_id,
            Submission.status != Submission.DRAFT,
        )
        .order_by(Submission.submitted_at, Submission.id)
    )
    if resource_link_id is not None:
        link = db.session.get(ResourceLink, resource_link_id)
        if link is None:
            raise Refused(Code.NOT_FOUND, "There is no such activity.")
        require_course(actor, link.course_id)
        query = query.where(Submission.resource_link_id == resource_link_id)
    result = Queue()
    for values in db.session.execute(query).tuples():
        sid, attempt, at, late, sub_status, pid, name, title = values[:8]
        aid, status, revision, required, note = values[8:]
        where = bucket(sub_status, status, bool(required))
        result.rows[where].append(
            Row(
                submission_id=sid,
                attempt=attempt,
                submitted_at=at,
                late=bool(late),
                learner_id=pid,
                learner_name=name or f"Learner {pid}",
                link_title=title or "",
                assessment_id=aid,
                status=status,
                revision=revision,
                sent_back=bool(note) and status == Status.DRAFT,
                bucket=where,
            )
        )
    return result


def first_visit(actor: Actor) -> bool:
    """True until the person has recorded a decision in this course.

    The onboarding guide shows until then; no separate flag is kept.
    """
    done = db.session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.actor_id == actor.person_id,
            AuditEntry.course_id == actor.course_id,
        )
        .limit(1)
    )
    return done is None


def not_submitted(
    members: Iterable[Member], resource_link_id: int, registration_id: int
) -> list[Member]:
    """Active learners on the roster with nothing handed in on this activity."""
    handed_in = set(
        db.session.scalars(
            select(Person.sub)
            .join(Submission, Submission.person_id == Person.id)
            .where(
                Person.registration_id == registration_id,
                Submission.resource_link_id == resource_link_id,
                Submission.status != Submission.DRAFT,
            )
        )
    )
    return [
        m
        for m in members
        if m.active
        and m.course_role is CourseRole.LEARNER
        and m.user_id not in handed_in
    ]


def consistency(actor: Actor) -> tuple[agreement.Report, dict[int, str]]:
    """Agreement between assessors and moderators in the actor's course.

    Returns the report and the names of the people it mentions.
    """
    require_staff(actor, actor.course_id)
    rows = db.session.execute(
        select(Assessment, Moderation)
        .join(Moderation, Moderation.assessment_id == Assessment.id)
        .where(
            Assessment.course_id == actor.course_id,
            Moderation.outcome.in_((Moderation.VERIFIED, Moderation.ADJUSTED)),
        )
    )
    ratings = []
    top = 1
    for assessment, mod in rows:
        if assessment.assessor_id is None or mod.moderator_id is None:
            continue
        for criterion_id, first in assessment.levels.items():
            second = mod.levels.get(criterion_id)
            if second is None:
                continue
            top = max(top, first, second)
            ratings.append(
                agreement.Rating(
                    criterion_id,
                    assessment.assessor_id,
                    mod.moderator_id,
                    first,
                    second,
                )
            )
    report = agreement.report(ratings, range(1, max(top, 4) + 1))
    ids = {r.first_id for r in ratings} | {r.second_id for r in ratings}
    names = {
        p.id: p.name or f"Person {p.id}"
        for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))
    }
    return report, names
