"""How far assessors and moderators agree, per credential of a course.

Only independent second scorings count. A plain "verify" copies the
assessor's levels, so it says nothing about agreement, and a self-verified
scoring is the same person twice; neither counts. The moderator's levels
count only when they saved levels of their own (an adjustment), and then
every criterion of that scoring counts, the unchanged ones as agreement.
A moderator may score blind, on a page that hides the assessor's levels;
what they save there is an independent second scoring. Levels adjusted with
the assessor's in view are not (the form starts blank, but the levels are
on the page), and the report says for every pair how many of its second
scorings were blind.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import agreement, catalogue
from lti_tool.assessment_rights import Actor, require_staff
from lti_tool.db import db
from lti_tool.models import Assessment, Moderation, Person


@dataclass(frozen=True)
class CredentialAgreement:
    """The agreement figures for one credential version."""

    version_id: int
    title: str
    version: int
    criteria: dict[str, str]  # criterion id to its title
    report: agreement.Report
    # (assessor id, moderator id) -> (blind second scorings, all of them)
    blind: dict[tuple[int, int], tuple[int, int]]


def consistency(actor: Actor) -> tuple[list[CredentialAgreement], dict[int, str]]:
    """Agreement per credential in the actor's course, with the people's names."""
    require_staff(actor, actor.course_id)
    rows = db.session.execute(
        select(Assessment, Moderation)
        .join(Moderation, Moderation.assessment_id == Assessment.id)
        .where(
            Assessment.course_id == actor.course_id,
            Moderation.outcome == Moderation.ADJUSTED,
            Moderation.self_verified.is_(False),
        )
        .order_by(Assessment.credential_version_id, Moderation.id)
    )
    ratings: dict[int, list[agreement.Rating]] = {}
    blind: dict[int, dict[tuple[int, int], tuple[int, int]]] = {}
    for assessment, mod in rows:
        first_id, second_id = assessment.assessor_id, mod.moderator_id
        if first_id is None or second_id is None or first_id == second_id:
            continue
        pairs = blind.setdefault(assessment.credential_version_id, {})
        done, total = pairs.get((first_id, second_id), (0, 0))
        pairs[(first_id, second_id)] = (done + int(bool(mod.blind)), total + 1)
        found = ratings.setdefault(assessment.credential_version_id, [])
        for criterion_id, first in assessment.levels.items():
            second = mod.levels.get(criterion_id)
            if second is not None:
                found.append(
                    agreement.Rating(criterion_id, first_id, second_id, first, second)
                )
    sections = []
    ids: set[int] = set()
    for version_id, found in ratings.items():
        row = catalogue.version(version_id)
        if row is None or not found:
            continue
        definition = catalogue.definition(row)
        criteria = definition.rubric.criteria
        top = max(level.number for c in criteria for level in c.levels)
        sections.append(
            CredentialAgreement(
                version_id=version_id,
                title=definition.title,
                version=row.number,
                criteria={c.id: c.title for c in criteria},
                report=agreement.report(found, range(1, top + 1)),
                blind=blind[version_id],
            )
        )
        ids |= {r.first_id for r in found} | {r.second_id for r in found}
    names = {
        p.id: p.name or f"Person {p.id}"
        for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))
    }
    return sections, names
