"""The mentor's queue: handed-in attempts by what they wait for.

Per activity (resource link) or for the whole course: to assess, to
moderate, ready to release, returned, released, with counts and late work
flagged. The roster from NRPS adds who has not handed anything in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from lti_tool import catalogue
from lti_tool.assessment_rights import Actor, require_course, require_staff
from lti_tool.assessments import RosterSource, sole_verifier
from lti_tool.db import db
from lti_tool.models import (
    Assessment,
    AuditEntry,
    Person,
    ResourceLink,
    Submission,
)
from lti_tool.moderation import Code, Refused, Status
from lti_tool.roles import CourseRole
from lti_tool.roster import Member, RosterUnavailable

BUCKETS = (
    "to_assess",
    "to_moderate",
    "with_moderator",
    "to_release",
    "returned",
    "released",
)
TITLES = {
    "to_assess": "To assess",
    "to_moderate": "To moderate",
    "with_moderator": "Waiting for another person to verify",
    "to_release": "Ready to release",
    "returned": "Returned",
    "released": "Released",
}
PER_PAGE = 25


def bucket(
    submission_status: str,
    status: str | None,
    moderation_required: bool,
    may_verify: bool = True,
) -> str:
    """Where a handed-in attempt sits, from its own and its assessment's state.

    ``may_verify``: whether the person looking could verify this scoring;
    one they cannot act on waits with a moderator instead of counting as
    theirs to moderate. ``_bucket_column`` is the same rule in SQL.
    """
    if status == Status.RELEASED:
        return "released"
    if status == Status.RETURNED or submission_status == Submission.RETURNED:
        return "returned"
    if status == Status.MODERATED:
        return "to_release"
    if status == Status.SCORED:
        if not moderation_required:
            return "to_release"
        return "to_moderate" if may_verify else "with_moderator"
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


@dataclass(frozen=True)
class Page:
    """One page of a bucket: its number, its size and the bucket's total."""

    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass
class Queue:
    rows: dict[str, list[Row]] = field(
        default_factory=lambda: {name: [] for name in BUCKETS}
    )
    pages: dict[str, Page] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Each bucket's total over every page."""
        return {name: self.pages[name].total for name in BUCKETS}


def check_rights(actor: Actor, resource_link_id: int | None = None) -> None:
    """Refuse anyone but the course's staff, and another course's activity."""
    require_staff(actor, actor.course_id)
    if resource_link_id is None:
        return
    link = db.session.get(ResourceLink, resource_link_id)
    if link is None:
        raise Refused(Code.NOT_FOUND, "There is no such activity.")
    require_course(actor, link.course_id)


def _self_verifiable_versions(
    actor: Actor, roster: RosterSource | None = None
) -> list[int]:
    """Credential versions whose scorings this person may verify themselves."""
    if not actor.moderator or actor.course_id is None:
        return []
    ids = db.session.scalars(
        select(Assessment.credential_version_id)
        .where(
            Assessment.course_id == actor.course_id,
            Assessment.assessor_id == actor.person_id,
            Assessment.status == Status.SCORED.value,
        )
        .distinct()
    )
    allowed = []
    for version_id in ids:
        row = catalogue.version(version_id)
        if row is None:
            continue
        if catalogue.definition(row).moderation.allow_self_verification:
            allowed.append(version_id)
    # The roster is read only when a scoring of theirs could be self-verified.
    if not allowed:
        return []
    try:
        if not sole_verifier(actor.course_id, actor.person_id, roster):
            return []
    except RosterUnavailable:
        return []
    return allowed


def _bucket_column(actor: Actor, roster: RosterSource | None = None):
    """``bucket`` as a SQL expression, for counting and paging in the database."""
    waiting = and_(
        Assessment.status == Status.SCORED.value,
        Assessment.moderation_required.is_(True),
    )
    if actor.moderator:
        own = and_(
            Assessment.assessor_id == actor.person_id,
            Assessment.credential_version_id.not_in(
                _self_verifiable_versions(actor, roster) or [-1]
            ),
        )
        moderate = [
            (and_(waiting, own), "with_moderator"),
            (waiting, "to_moderate"),
        ]
    else:
        moderate = [(waiting, "with_moderator")]
    return case(
        (Assessment.status == Status.RELEASED.value, "released"),
        (
            or_(
                Assessment.status == Status.RETURNED.value,
                Submission.status == Submission.RETURNED,
            ),
            "returned",
        ),
        (Assessment.status == Status.MODERATED.value, "to_release"),
        *moderate,
        (Assessment.status == Status.SCORED.value, "to_release"),
        else_="to_assess",
    )


def queue(
    actor: Actor,
    resource_link_id: int | None = None,
    pages: Mapping[str, int] | None = None,
    per_page: int = PER_PAGE,
    roster: RosterSource | None = None,
) -> Queue:
    """The handed-in attempts of one activity, or of the actor's course.

    Each bucket is paged on its own (``pages``: bucket -> page number, 1
    when absent) in a stable order, oldest hand-in first; the counts are
    totals over all pages. Buckets are worked out in the database, so a
    page costs one count query and one query per bucket shown. ``roster``
    reads the LMS's roster where self-verification depends on it.
    """
    check_rights(actor, resource_link_id)
    listed = (
        select(
            Submission.id.label("sid"),
            Submission.attempt.label("attempt"),
            Submission.submitted_at.label("submitted_at"),
            Submission.late.label("late"),
            Person.id.label("pid"),
            Person.name.label("name"),
            ResourceLink.title.label("title"),
            Assessment.id.label("aid"),
            Assessment.status.label("status"),
            Assessment.revision.label("revision"),
            Assessment.send_back_note.label("note"),
            _bucket_column(actor, roster).label("bucket"),
        )
        .join(ResourceLink, Submission.resource_link_id == ResourceLink.id)
        .join(Person, Submission.person_id == Person.id)
        .outerjoin(Assessment, Assessment.submission_id == Submission.id)
        .where(
            ResourceLink.course_id == actor.course_id,
            Submission.status != Submission.DRAFT,
        )
    )
    if resource_link_id is not None:
        listed = listed.where(Submission.resource_link_id == resource_link_id)
    listed = listed.subquery()

    totals = dict(
        db.session.execute(
            select(listed.c.bucket, func.count()).group_by(listed.c.bucket)
        ).all()
    )
    result = Queue()
    for name in BUCKETS:
        total = totals.get(name, 0)
        page = Page(1, per_page, total)
        wanted = (pages or {}).get(name, 1)
        page = Page(min(max(wanted, 1), page.last), per_page, total)
        result.pages[name] = page
        if total == 0:
            continue
        found = db.session.execute(
            select(listed)
            .where(listed.c.bucket == name)
            .order_by(listed.c.submitted_at, listed.c.sid)
            .limit(page.size)
            .offset(page.offset)
        )
        result.rows[name] = [_row(values) for values in found.mappings()]
    return result


def _row(values: Mapping) -> Row:
    status = values["status"]
    return Row(
        submission_id=values["sid"],
        attempt=values["attempt"],
        submitted_at=values["submitted_at"],
        late=bool(values["late"]),
        learner_id=values["pid"],
        learner_name=values["name"] or f"Learner {values['pid']}",
        link_title=values["title"] or "",
        assessment_id=values["aid"],
        status=status,
        revision=values["revision"],
        sent_back=bool(values["note"]) and status == Status.DRAFT,
        bucket=values["bucket"],
    )


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
