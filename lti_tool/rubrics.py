"""Scoring a rubric sheet and composing the feedback a learner reads.

Pure functions over ``lti_tool.credentials`` values: no Flask, no database.
A mentor picks one level per criterion; each level comes with the
catalogue's compliment-first script (a strength tied to the descriptor,
one next step, a practice action). The standard text is inserted for the
chosen level and the mentor may add a personal note. A gentle check warns,
without refusing, when a criterion's feedback has no next step or cites
nothing of the level's descriptor.

The check judges the mentor's own feedback, the note, as the learner will
read it (trimmed, as saved). The standard text is Pathmark's, the same for
every learner at that level, so it never counts: a blank note, or one that
only repeats the standard text, is warned about. Text inserted from the
comment bank is feedback the mentor chose for this learner, so it counts
like their own words. The same functions serve the scoring page, draft
saves and the live check while the mentor types, so the rules live here
only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool import mastery
from lti_tool.credentials import CredentialDefinition, Criterion, Rubric

# Words too common to show that feedback cites a descriptor.
_COMMON_WORDS = (
    "about after again also could does each from have into more most much "
    "only other some such than that their them then there these they this "
    "those very what when where which while with would your"
)
_COMMON = frozenset(_COMMON_WORDS.split())
# Phrases that show a next step even when the mentor rewrote the script;
# whole words only, so "entry" or "country" is no "try".
_NEXT_STEP_CUES = re.compile(r"\b(?:next step|next time|try|aim for|work on)\b")

MAX_NOTE = 2000


class SheetError(ValueError):
    """A scoring sheet that does not fit its rubric; the message says why."""


@dataclass(frozen=True)
class CriterionFeedback:
    """What a learner reads for one criterion."""

    criterion_id: str
    level: int
    standard: str
    note: str = ""

    @property
    def text(self) -> str:
        return f"{self.standard}\n\n{self.note}" if self.note else self.standard


@dataclass(frozen=True)
class Scored:
    """A complete sheet, checked against its rubric, with its decision."""

    levels: dict[str, int]
    feedback: tuple[CriterionFeedback, ...]
    overall: str
    decision: mastery.Decision

    @property
    def total(self) -> float:
        return self.decision.total


def standard_text(criterion: Criterion, level: int) -> str:
    """The catalogue's script for a level, or the descriptor when none."""
    chosen = criterion.level(level)
    script = criterion.feedback.get(level)
    if script is None:
        return f"{criterion.title}: {chosen.label}. {chosen.descriptor}"
    return (
        f"{script.strength} Next step: {script.next_step} Practice: {script.practice}"
    )


def parse_levels(rubric: Rubric, raw: Mapping[str, object]) -> dict[str, int]:
    """Levels from form values (strings); blanks are left out.

    Refuses a criterion of another rubric and a level that is not a whole
    number; whether the levels exist is checked by ``mastery.check_levels``.
    """
    levels: dict[str, int] = {}
    for criterion_id, value in raw.items():
        if value in (None, ""):
            continue
        if criterion_id not in rubric.ids:
            raise SheetError(f"the rubric has no criterion {criterion_id!r}")
        criterion = rubric.criterion(criterion_id)
        try:
            number = int(str(value))
        except ValueError:
            raise SheetError(
                f"{criterion.title}: the level must be a whole number"
            ) from None
        try:
            criterion.level(number)
        except KeyError:
            raise SheetError(f"{criterion.title}: there is no level {number}") from None
        levels[criterion_id] = number
    return levels


def shown_choices(rubric: Rubric, raw: Mapping[str, object]) -> dict[str, str]:
    """The form values worth showing again: those naming a real level.

    A refused sheet is shown with the person's own choices; one naming a
    level the rubric lacks is left unpicked rather than breaking the page.
    """
    kept = {}
    for criterion_id, value in raw.items():
        try:
            parse_levels(rubric, {criterion_id: value})
        except SheetError:
            continue
        kept[criterion_id] = str(value)
    return kept


def check_draft(rubric: Rubric, levels: Mapping[str, int]) -> None:
    """A draft may leave criteria open, but what it names must exist."""
    for criterion_id, number in levels.items():
        if criterion_id not in rubric.ids:
            raise SheetError(f"the rubric has no criterion {criterion_id!r}")
        criterion = rubric.criterion(criterion_id)
        if isinstance(number, bool) or not isinstance(number, int):
            raise SheetError(f"{criterion.title}: the level must be a whole number")
        try:
            criterion.level(number)
        except KeyError:
            raise SheetError(f"{criterion.title}: there is no level {number}") from None


def check_notes(rubric: Rubric, notes: Mapping[str, str], overall: str = "") -> None:
    """Notes name criteria of this rubric and stay within the length limit."""
    unknown = sorted(set(notes) - set(rubric.ids))
    if unknown:
        raise SheetError("the rubric has no criterion " + ", ".join(unknown))
    for text in notes.values():
        _clean(text)
    _clean(overall, "overall feedback")


def compose(
    definition: CredentialDefinition,
    levels: Mapping[str, int],
    notes: Mapping[str, str] | None = None,
    overall: str = "",
) -> Scored:
    """A complete sheet: every criterion at a level, feedback per criterion.

    ``notes`` holds the mentor's personal note per criterion, added after
    the standard text. Raises ``SheetError`` for a sheet that does not fit.
    """
    notes = notes or {}
    rubric = definition.rubric
    try:
        decision = mastery.decide(definition, levels)
    except mastery.ScoringError as exc:
        raise SheetError(str(exc)) from None
    check_notes(rubric, notes, overall)
    feedback = tuple(
        CriterionFeedback(
            criterion_id=c.id,
            level=levels[c.id],
            standard=standard_text(c, levels[c.id]),
            note=_clean(notes.get(c.id, "")),
        )
        for c in rubric.criteria
    )
    return Scored(
        levels={c.id: levels[c.id] for c in rubric.criteria},
        feedback=feedback,
        overall=_clean(overall, "overall feedback"),
        decision=decision,
    )


def _clean(text: str, what: str = "a note") -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_NOTE:
        raise SheetError(f"{what} may be at most {MAX_NOTE} characters")
    return text


def _words(text: str) -> set[str]:
    found = re.findall(r"[^\W\d_]{4,}", text.lower())
    return {w for w in found if w not in _COMMON}


def feedback_warnings(criterion: Criterion, level: int, text: str) -> list[str]:
    """Gentle warnings for one criterion's feedback; empty when it is fine.

    Feedback helps when it names one next step and ties what it says to the
    level's descriptor, so the learner sees what the standard asks.
    """
    warnings = []
    lowered = text.lower()
    script = criterion.feedback.get(level)
    has_step = bool(_NEXT_STEP_CUES.search(lowered)) or (
        script is not None and script.next_step.lower() in lowered
    )
    if not has_step:
        warnings.append(f"{criterion.title}: the feedback names no next step.")
    descriptor = criterion.level(level).descriptor
    if _words(descriptor) and not _words(descriptor) & _words(text):
        warnings.append(
            f"{criterion.title}: the feedback cites nothing of the level descriptor."
        )
    return warnings


def note_warnings(criterion: Criterion, level: int, note: str) -> list[str]:
    """The gentle check on a mentor's note for one criterion at one level."""
    text = (note or "").replace("\r\n", "\n").strip()
    if _same_text(text, standard_text(criterion, level)):
        return [
            f"{criterion.title}: no feedback of your own yet; the learner "
            "would read only the standard text."
        ]
    return feedback_warnings(criterion, level, text)


def _same_text(a: str, b: str) -> bool:
    """Equal but for spacing and case; an empty note matches anything blank."""
    return " ".join(a.lower().split()) in ("", " ".join(b.lower().split()))


def check_feedback(
    definition: CredentialDefinition,
    levels: Mapping[str, int],
    notes: Mapping[str, str],
) -> dict[str, list[str]]:
    """Warnings per criterion for a sheet as drafted; empty lists when fine.

    Only criteria with a level are judged: the descriptor to cite depends
    on it. ``levels`` must already fit the rubric (``parse_levels``).
    """
    found = {}
    for criterion in definition.rubric.criteria:
        level = levels.get(criterion.id)
        if level is not None:
            found[criterion.id] = note_warnings(
                criterion, level, notes.get(criterion.id, "")
            )
    return found


def sheet_warnings(definition: CredentialDefinition, scored: Scored) -> list[str]:
    """The gentle check over every criterion of a composed sheet."""
    notes = {item.criterion_id: item.note for item in scored.feedback}
    found = check_feedback(definition, scored.levels, notes)
    return [warning for texts in found.values() for warning in texts]


def gradebook_comment(definition: CredentialDefinition, scored: Scored) -> str:
    """A short gradebook comment: the outcome reached or not, and the total.

    Carries no learner content; the full feedback stays in Pathmark.
    """
    maximum = _figure(scored.decision.maximum)
    total = _figure(scored.decision.total)
    if scored.decision.mastery:
        return f"Mastery reached: {definition.title} ({total}/{maximum})."
    return (
        f"Not yet at mastery: {definition.title} ({total}/{maximum}). "
        "See the feedback in Pathmark."
    )


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
