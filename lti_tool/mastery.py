"""Scoring rules: totals, the rubric maximum and the mastery decision.

Pure functions over ``lti_tool.credentials`` values. ``levels`` always maps
each criterion id of the rubric to the level number the assessor chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lti_tool.credentials import CredentialDefinition, MasteryRule, Rubric


class ScoringError(ValueError):
    """The chosen levels do not fit the rubric (missing, unknown, off scale)."""


@dataclass(frozen=True)
class Decision:
    """A mastery decision with its reasons; true when mastery is reached."""

    mastery: bool
    total: float
    maximum: float
    # Why mastery was not reached, one sentence per unmet condition.
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.mastery


def check_levels(rubric: Rubric, levels: Mapping[str, int]) -> None:
    """Refuse levels that miss a criterion, name an unknown one or go off scale."""
    missing = [c.title for c in rubric.criteria if c.id not in levels]
    if missing:
        raise ScoringError("no level chosen for " + ", ".join(missing))
    unknown = sorted(set(levels) - set(rubric.ids))
    if unknown:
        raise ScoringError("the rubric has no criterion " + ", ".join(unknown))
    for criterion in rubric.criteria:
        number = levels[criterion.id]
        if isinstance(number, bool) or not isinstance(number, int):
            raise ScoringError(f"{criterion.title}: the level must be a whole number")
        try:
            criterion.level(number)
        except KeyError:
            raise ScoringError(
                f"{criterion.title}: there is no level {number}"
            ) from None


def maximum(rubric: Rubric) -> float:
    """The best possible total; a valid rubric's is always above 0."""
    return rubric.maximum


def total(rubric: Rubric, levels: Mapping[str, int]) -> float:
    """The points of the chosen levels, summed."""
    check_levels(rubric, levels)
    return float(sum(c.level(levels[c.id]).points for c in rubric.criteria))


def decide(
    subject: CredentialDefinition | Rubric,
    levels: Mapping[str, int],
    rule: MasteryRule | None = None,
) -> Decision:
    """Whether these levels reach mastery under the credential's rule.

    Pass a definition (its rubric and rule are used) or a rubric and a rule.
    """
    if isinstance(subject, CredentialDefinition):
        rubric = subject.rubric
        rule = rule or subject.mastery
    else:
        rubric = subject
    if rule is None:
        raise TypeError("decide() needs a mastery rule with a bare rubric")

    points = total(rubric, levels)
    reasons: list[str] = []
    if rule.kind == "all_at_least":
        floor = rule.level
    else:
        floor = rule.floor_level
        if points < (rule.min_total or 0.0):
            reasons.append(
                f"total {_show(points)} is below the {_show(rule.min_total)} needed"
            )
    if floor is not None:
        for criterion in rubric.criteria:
            if levels[criterion.id] < floor:
                reasons.append(
                    f"{criterion.title} is at level {levels[criterion.id]}, "
                    f"below level {floor}"
                )
    return Decision(
        mastery=not reasons,
        total=points,
        maximum=rubric.maximum,
        reasons=tuple(reasons),
    )


def satisfiable(rubric: Rubric, rule: MasteryRule) -> str | None:
    """``None`` when some assessment can reach mastery, else why none can."""
    if not rubric.criteria:
        return "the rubric has no criteria"
    lowest_top = min(c.top.number for c in rubric.criteria)
    floor = rule.level if rule.kind == "all_at_least" else rule.floor_level
    if floor is not None and floor > lowest_top:
        return (
            f"level {floor} is asked of every criterion, but some criterion "
            f"only goes up to level {lowest_top}"
        )
    if rule.kind == "total_at_least":
        if rule.min_total is None:
            return "a total rule needs min_total"
        if rule.min_total > rubric.maximum:
            return (
                f"min_total {_show(rule.min_total)} is above the rubric "
                f"maximum {_show(rubric.maximum)}"
            )
    return None


def _show(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
