"""What the rubric component shows, from a definition or a signed credential.

One template macro (``templates/_rubric.html``) draws every rubric: for
learners before they submit, in the picker, in authoring previews, on the
mentor's scoring sheet and on the public verification page. It reads the
plain view built here, so those pages cannot drift apart.

The view of an issued badge is built from the signed credential alone (the
achievement's ``resultDescription`` and the subject's ``result`` entries),
so the public page shows what was signed, whatever the catalogue says now.
Pure functions: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lti_tool.credentials import CredentialDefinition, FeedbackScript
from lti_tool.rubrics import standard_text


@dataclass(frozen=True)
class LevelView:
    number: int
    label: str
    descriptor: str
    points: float | None
    # The catalogue's feedback script and the text scoring starts from.
    script: FeedbackScript | None = None
    standard: str = ""


@dataclass(frozen=True)
class CriterionView:
    id: str
    title: str
    levels: tuple[LevelView, ...]

    def level(self, number: int) -> LevelView | None:
        return next((lv for lv in self.levels if lv.number == number), None)


@dataclass(frozen=True)
class RubricView:
    """A rubric ready to draw: rows, columns, mastery and achieved levels."""

    id: str
    title: str
    criteria: tuple[CriterionView, ...]
    maximum: float | None
    mastery_note: str
    # Columns at or above this level are marked as the mastery standard.
    threshold: int | None = None
    # criterion id -> level number reached (on an issued credential).
    achieved: Mapping[str, int] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[LevelView, ...]:
        """Column headers: the levels of the criterion with the most levels."""
        widest = max(self.criteria, key=lambda c: len(c.levels), default=None)
        return widest.levels if widest is not None else ()


def _mastery_note(definition: CredentialDefinition) -> str:
    rule = definition.mastery
    if rule.kind == "all_at_least":
        return f"Mastery: every criterion at level {rule.level} or above."
    note = f"Mastery: a total of at least {rule.min_total or 0:g}"
    if rule.floor_level:
        note += f", no criterion below level {rule.floor_level}"
    return note + "."


def from_definition(definition: CredentialDefinition) -> RubricView:
    """The view of a catalogue definition, feedback scripts included."""
    rule = definition.mastery
    criteria = tuple(
        CriterionView(
            id=c.id,
            title=c.title,
            levels=tuple(
                LevelView(
                    number=lv.number,
                    label=lv.label,
                    descriptor=lv.descriptor,
                    points=lv.points,
                    script=c.feedback.get(lv.number),
                    standard=standard_text(c, lv.number),
                )
                for lv in sorted(c.levels, key=lambda lv: lv.number)
            ),
        )
        for c in definition.rubric.criteria
    )
    return RubricView(
        id=f"rubric-{definition.key}-{definition.version}",
        title=definition.title,
        criteria=criteria,
        maximum=definition.rubric.maximum,
        mastery_note=_mastery_note(definition),
        threshold=rule.level if rule.kind == "all_at_least" else rule.floor_level,
    )


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _signed_levels(description: Mapping[str, Any]) -> dict[str, LevelView]:
    """A result description's levels, by their id in the credential."""
    levels = {}
    for position, raw in enumerate(description.get("rubricCriterionLevel", ()), 1):
        if not isinstance(raw, Mapping) or "id" not in raw:
            continue
        number = _number(raw.get("level"))
        levels[raw["id"]] = LevelView(
            number=int(number) if number is not None else position,
            label=str(raw.get("name", "")),
            descriptor=str(raw.get("description", "")),
            points=_number(raw.get("points")),
        )
    return levels


def from_credential(document: Mapping[str, Any]) -> RubricView | None:
    """The rubric as signed in an OpenBadgeCredential, with the levels the
    holder reached; ``None`` when the credential carries no rubric (a
    pathway badge, say)."""
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    descriptions = [
        d
        for d in achievement.get("resultDescription") or ()
        if isinstance(d, Mapping) and d.get("rubricCriterionLevel")
    ]
    if not descriptions:
        return None

    criteria, by_id, reached = [], {}, {}
    required: set[int] = set()
    for description in descriptions:
        levels = _signed_levels(description)
        criterion_id = str(description.get("id", "")).rsplit("#criterion-", 1)[-1]
        criterion = CriterionView(
            id=criterion_id,
            title=str(description.get("name", criterion_id)),
            levels=tuple(sorted(levels.values(), key=lambda lv: lv.number)),
        )
        criteria.append(criterion)
        by_id[description.get("id")] = (criterion, levels)
        if description.get("requiredLevel") in levels:
            required.add(levels[description["requiredLevel"]].number)

    for result in subject.get("result") or ():
        found = by_id.get(result.get("resultDescription"))
        if found is None:
            continue
        criterion, levels = found
        level = levels.get(result.get("achievedLevel"))
        if level is not None:
            reached[criterion.id] = level.number

    maximum = None
    if all(lv.points is not None for c in criteria for lv in c.levels):
        maximum = sum(max(lv.points or 0.0 for lv in c.levels) for c in criteria)
    threshold = min(required) if len(required) == 1 else None
    note = (
        f"Mastery standard: level {threshold}."
        if threshold is not None
        else "The issuer set a mastery standard per criterion."
    )
    return RubricView(
        id="rubric-signed",
        title=str(achievement.get("name", "")),
        criteria=tuple(criteria),
        maximum=maximum,
        mastery_note=note,
        threshold=threshold,
        achieved=reached,
    )


def view_of(source: RubricView | CredentialDefinition) -> RubricView:
    """The template filter ``rubric_view``: any rubric source to its view."""
    if isinstance(source, RubricView):
        return source
    return from_definition(source)
