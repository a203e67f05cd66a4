"""How consistently people score: agreement, weighted kappa and severity.

Pure functions over pairs of level numbers given to the same criterion of
the same submission by two people (an assessor and a moderator). Cohen's
weighted kappa (Cohen 1968) compares the observed disagreement with the
disagreement expected from each rater's own spread of levels; quadratic
weights are the usual choice for ordered rubric levels. Written here
because the formula is a dozen lines and the statistics libraries that
have it would add NumPy and SciPy for nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Weights = Literal["linear", "quadratic"]


@dataclass(frozen=True)
class Rating:
    """Two people's levels for one criterion of one submission."""

    criterion_id: str
    first_id: int  # the assessor
    second_id: int  # the moderator
    first: int
    second: int


@dataclass(frozen=True)
class Agreement:
    count: int
    exact: float  # share with the same level
    adjacent: float  # share at most one level apart (exact included)


def agreement(pairs: Iterable[tuple[int, int]]) -> Agreement:
    """Exact and adjacent agreement of level pairs; zeros when there are none."""
    pairs = list(pairs)
    if not pairs:
        return Agreement(0, 0.0, 0.0)
    exact = sum(1 for a, b in pairs if a == b)
    adjacent = sum(1 for a, b in pairs if abs(a - b) <= 1)
    return Agreement(len(pairs), exact / len(pairs), adjacent / len(pairs))


def weighted_kappa(
    pairs: Iterable[tuple[int, int]],
    categories: Sequence[int],
    weights: Weights = "quadratic",
) -> float | None:
    """Cohen's weighted kappa over ordered ``categories`` (level numbers).

    ``None`` when it is undefined: no pairs, or both raters always used one
    and the same level, so no disagreement could be expected.
    """
    pairs = list(pairs)
    cats = sorted(set(categories))
    if not pairs or len(cats) < 2:
        return None
    index = {c: i for i, c in enumerate(cats)}
    k = len(cats)
    observed = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        if a not in index or b not in index:
            raise ValueError(f"level pair {(a, b)} is outside {cats}")
        observed[index[a]][index[b]] += 1
    n = len(pairs)
    rows = [sum(observed[i]) for i in range(k)]
    cols = [sum(observed[i][j] for i in range(k)) for j in range(k)]

    def weight(i: int, j: int) -> float:
        distance = abs(i - j) / (k - 1)
        return distance if weights == "linear" else distance**2

    seen = sum(weight(i, j) * observed[i][j] for i in range(k) for j in range(k))
    expected = sum(
        weight(i, j) * rows[i] * cols[j] / n for i in range(k) for j in range(k)
    )
    if expected == 0:
        return None
    return 1.0 - seen / expected


def severity(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Mean of first minus second level: below 0, the first rater is harsher."""
    pairs = list(pairs)
    if not pairs:
        return None
    return sum(a - b for a, b in pairs) / len(pairs)


@dataclass(frozen=True)
class Report:
    by_criterion: dict[str, Agreement]
    # (assessor id, moderator id) -> weighted kappa over all their pairs
    kappa_by_pair: dict[tuple[int, int], float | None]
    # assessor id -> mean level difference against moderators
    severity_by_assessor: dict[int, float | None]


def report(ratings: Iterable[Rating], categories: Sequence[int]) -> Report:
    """Consistency figures over every double-scored criterion."""
    by_criterion: dict[str, list[tuple[int, int]]] = defaultdict(list)
    by_pair: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    by_assessor: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for r in ratings:
        pair = (r.first, r.second)
        by_criterion[r.criterion_id].append(pair)
        by_pair[(r.first_id, r.second_id)].append(pair)
        by_assessor[r.first_id].append(pair)
    return Report(
        by_criterion={c: agreement(p) for c, p in sorted(by_criterion.items())},
        kappa_by_pair={
            key: weighted_kappa(p, categories) for key, p in sorted(by_pair.items())
        },
        severity_by_assessor={
            who: severity(p) for who, p in sorted(by_assessor.items())
        },
    )
