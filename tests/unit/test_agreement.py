"""Agreement statistics with answers worked out by hand."""

from __future__ import annotations

import pytest

from lti_tool import agreement
from lti_tool.agreement import Rating


def cohen_example() -> list[tuple[int, int]]:
    # 50 items, two levels: the textbook table with kappa 0.4.
    return [(1, 1)] * 20 + [(1, 2)] * 5 + [(2, 1)] * 10 + [(2, 2)] * 15


def test_two_levels_weighted_kappa_equals_cohens_kappa():
    assert agreement.weighted_kappa(cohen_example(), [1, 2]) == pytest.approx(0.4)
    linear = agreement.weighted_kappa(cohen_example(), [1, 2], "linear")
    assert linear == pytest.approx(0.4)


def test_three_levels_quadratic_and_linear():
    pairs = [(1, 1), (2, 2), (3, 3), (1, 2)]
    assert agreement.weighted_kappa(pairs, [1, 2, 3]) == pytest.approx(0.8)
    assert agreement.weighted_kappa(pairs, [1, 2, 3], "linear") == pytest.approx(
        1 - 0.5 / 1.75
    )


def test_perfect_and_undefined_kappa():
    assert agreement.weighted_kappa([(1, 1), (4, 4)], [1, 2, 3, 4]) == 1.0
    assert agreement.weighted_kappa([(3, 3), (3, 3)], [1, 2, 3, 4]) is None
    assert agreement.weighted_kappa([], [1, 2]) is None
    with pytest.raises(ValueError, match="outside"):
        agreement.weighted_kappa([(1, 5)], [1, 2, 3, 4])


def test_exact_and_adjacent_agreement():
    found = agreement.agreement([(1, 1), (2, 3), (4, 1), (3, 3)])
    assert found == agreement.Agreement(4, 0.5, 0.75)
    assert agreement.agreement([]) == agreement.Agreement(0, 0.0, 0.0)


def test_severity_sign():
    assert agreement.severity([(2, 3), (3, 3)]) == -0.5
    assert agreement.severity([]) is None


def test_report_groups_by_criterion_pair_and_assessor():
    ratings = [
        Rating("range", 10, 20, 3, 3),
        Rating("range", 10, 20, 2, 3),
        Rating("fluency", 10, 20, 4, 4),
        Rating("fluency", 11, 20, 1, 3),
    ]
    found = agreement.report(ratings, [1, 2, 3, 4])
    assert found.by_criterion["range"] == agreement.Agreement(2, 0.5, 1.0)
    assert found.by_criterion["fluency"].adjacent == 0.5
    assert set(found.kappa_by_pair) == {(10, 20), (11, 20)}
    # One disagreeing pair: exactly the disagreement chance predicts.
    assert found.kappa_by_pair[(11, 20)] == 0.0
    assert found.severity_by_assessor == {10: pytest.approx(-1 / 3), 11: -2.0}
