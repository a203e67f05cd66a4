"""The comment bank: ready-made feedback per credential, criterion and level.

Two sources. The catalogue's compliment-first script of each level (a
strength tied to the descriptor, one next step, a practice action) yields
several variants, worked out from the exact credential version on every
read, so they always fit the rubric being scored. Staff add their own
entries for their course; those are stored (``CommentEntry``) by
credential key and show for every version whose rubric still has that
criterion and level. No Flask here; the pages are in
``comment_bank_pages``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from lti_tool import rubrics
from lti_tool.assessment_rights import Actor, require_staff
from lti_tool.credentials import CredentialDefinition, Criterion
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import CommentEntry
from lti_tool.moderation import Code, Refused

MAX_ENTRY = 1000
CATALOGUE = "catalogue"
COURSE = "course"


@dataclass(frozen=True)
class Entry:
    """One comment a mentor can insert."""

    criterion_id: str
    level: int
    text: str
    source: str  # CATALOGUE or COURSE
    entry_id: int | None = None


def catalogue_variants(criterion: Criterion, level: int) -> list[str]:
    """Comments drawn from the catalogue for one level, shortest first.

    They go into the mentor's personal note, which follows the level's
    standard text: each recombines the script with the level's descriptor
    or with the next level's, keeping one next step. Without a script the
    descriptors stand in. A variant that only repeats the standard text,
    or sentences of it, is left out: the learner would read it twice.
    """
    here = criterion.level(level)
    higher = [lv for lv in criterion.levels if lv.number > level]
    aim = min(higher, key=lambda lv: lv.number) if higher else None
    script = criterion.feedback.get(level)
    variants = []
    if script is None:
        variants.append(f"{criterion.title}: {here.label}. {here.descriptor}")
        if aim is not None:
            variants.append(f"Next step, towards {aim.label}: {aim.descriptor}")
        return _new_to(rubrics.standard_text(criterion, level), variants)
    step = _step(script.next_step)
    variants.append(f"{script.strength} {step}")
    variants.append(
        f"{script.strength} Your level: {here.label}. {here.descriptor} {step}"
    )
    if aim is not None:
        variants.append(f"To reach {aim.label}: {aim.descriptor} {step}")
    variants.append(f"{step} Practice: {script.practice}")
    return _new_to(rubrics.standard_text(criterion, level), _unique(variants))


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def _sentences(text: str) -> set[str]:
    """Sentences without the labels the standard text puts before them."""
    found = re.split(r"(?<=[.!?])\s+", _plain(text))
    return {re.sub(r"^(next step|practice): ", "", s) for s in found if s}


def _new_to(standard: str, variants: list[str]) -> list[str]:
    """The variants that say something the standard text does not.

    Dropped, spacing and case aside: a variant found word for word inside
    the standard text, and one made only of the standard text's sentences.
    """
    known = _sentences(standard)
    return [
        text
        for text in variants
        if _plain(text) not in _plain(standard) and not _sentences(text) <= known
    ]


def _step(text: str) -> str:
    """The next step as a sentence that names itself one."""
    if text.lower().startswith(("next time", "next step")):
        return text
    return f"Next step: {text}"


def _unique(texts: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for text in texts:
        if text not in seen:
            seen.add(text)
            kept.append(text)
    return kept


Bank = dict[str, dict[int, list[Entry]]]


def bank_for(definition: CredentialDefinition, course_id: int | None) -> Bank:
    """Every entry for a credential version in a course: criterion -> level."""
    bank: Bank = {}
    for criterion in definition.rubric.criteria:
        bank[criterion.id] = {
            lv.number: [
                Entry(criterion.id, lv.number, text, CATALOGUE)
                for text in catalogue_variants(criterion, lv.number)
            ]
            for lv in criterion.levels
        }
    if course_id is None:
        return bank
    rows = db.session.scalars(
        select(CommentEntry)
        .where(
            CommentEntry.course_id == course_id,
            CommentEntry.credential_key == definition.key,
        )
        .order_by(CommentEntry.id)
    )
    for row in rows:
        levels = bank.get(row.criterion_id)
        if levels is None or row.level not in levels:
            continue  # a criterion or level this version no longer has
        levels[row.level].append(
            Entry(row.criterion_id, row.level, row.text, COURSE, row.id)
        )
    return bank


def add(
    actor: Actor,
    definition: CredentialDefinition,
    criterion_id: str,
    level: object,
    text: str,
) -> CommentEntry:
    """Add a staff entry for the actor's course; refuses what the rubric lacks."""
    require_staff(actor, actor.course_id)
    try:
        criterion = definition.rubric.criterion(criterion_id)
        number = int(str(level))
        criterion.level(number)
    except (KeyError, ValueError):
        raise Refused(
            Code.BAD_SHEET,
            "Pick a criterion and a level of this credential's rubric.",
        ) from None
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise Refused(Code.BAD_SHEET, "Write the comment before adding it.")
    if len(text) > MAX_ENTRY:
        raise Refused(
            Code.BAD_SHEET, f"A comment may be at most {MAX_ENTRY} characters."
        )
    row = CommentEntry(
        course_id=actor.course_id,
        credential_key=definition.key,
        criterion_id=criterion.id,
        level=number,
        text=text,
        created_by_id=actor.person_id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    event(
        "comment_bank.added",
        entry=row.id,
        course=actor.course_id,
        actor=actor.person_id,
    )
    return row


def remove(actor: Actor, entry_id: int) -> None:
    """Remove a staff entry of the actor's course; catalogue entries stay."""
    require_staff(actor, actor.course_id)
    row = db.session.get(CommentEntry, entry_id)
    if row is None or row.course_id != actor.course_id:
        raise Refused(Code.NOT_FOUND, "There is no such comment in this course.")
    db.session.delete(row)
    db.session.flush()
    event(
        "comment_bank.removed",
        entry=entry_id,
        course=actor.course_id,
        actor=actor.person_id,
    )
