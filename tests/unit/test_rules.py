"""Scoring and pathway rules as pure functions, proven on generated cases."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool import mastery, pathways
from lti_tool.credentials import (
    Criterion,
    Level,
    MasteryRule,
    Milestone,
    Pathway,
    Rubric,
)


@st.composite
def rubrics(draw) -> Rubric:
    """Valid rubrics: 1-5 criteria of 3 or 4 levels with rising points."""
    criteria = []
    for index in range(draw(st.integers(1, 5))):
        size = draw(st.sampled_from((3, 4)))
        steps = draw(st.lists(st.integers(1, 5), min_size=size, max_size=size))
        start = draw(st.integers(0, 3))
        points = list(itertools.accumulate(steps, initial=start))[1:]
        levels = tuple(
            Level(n, f"L{n}", f"step {n}", float(p))
            for n, p in enumerate(points, start=1)
        )
        criteria.append(Criterion(f"c{index}", f"Criterion {index}", levels))
    return Rubric(tuple(criteria))


@st.composite
def scored(draw):
    rubric = draw(rubrics())
    levels = {c.id: draw(st.integers(1, c.top.number)) for c in rubric.criteria}
    return rubric, levels


rules = st.one_of(
    st.builds(MasteryRule, kind=st.just("all_at_least"), level=st.integers(1, 4)),
    st.builds(
        MasteryRule,
        kind=st.just("total_at_least"),
        level=st.integers(1, 4),
        min_total=st.floats(0.5, 40, allow_nan=False),
        floor_level=st.one_of(st.none(), st.integers(1, 4)),
    ),
)


@given(scored())
def test_total_is_the_sum_of_chosen_points(case):
    rubric, levels = case
    expected = sum(c.level(levels[c.id]).points for c in rubric.criteria)
    assert mastery.total(rubric, levels) == expected
    assert 0 <= mastery.total(rubric, levels) <= mastery.maximum(rubric)


@given(rubrics())
def test_maximum_is_positive_and_reached_at_the_top(rubric):
    tops = {c.id: c.top.number for c in rubric.criteria}
    assert mastery.maximum(rubric) > 0
    assert mastery.total(rubric, tops) == mastery.maximum(rubric)


@given(scored(), st.integers(1, 4))
def test_all_at_least_means_every_criterion(case, threshold):
    rubric, levels = case
    rule = MasteryRule("all_at_least", threshold)
    decision = mastery.decide(rubric, levels, rule)
    assert decision.mastery == all(v >= threshold for v in levels.values())
    assert len(decision.reasons) == sum(v < threshold for v in levels.values())
    assert bool(decision) == decision.mastery


@given(scored(), rules)
def test_total_rule_needs_total_and_floor(case, rule):
    rubric, levels = case
    decision = mastery.decide(rubric, levels, rule)
    if rule.kind == "all_at_least":
        return
    points = mastery.total(rubric, levels)
    floor_ok = rule.floor_level is None or all(
        v >= rule.floor_level for v in levels.values()
    )
    assert decision.mastery == (points >= rule.min_total and floor_ok)
    assert decision.total == points and decision.maximum == rubric.maximum


@settings(max_examples=200)
@given(rubrics(), rules)
def test_satisfiable_exactly_when_the_best_assessment_reaches_mastery(rubric, rule):
    """Points rise with levels, so the all-top assessment is the best one."""
    tops = {c.id: c.top.number for c in rubric.criteria}
    reachable = mastery.decide(rubric, tops, rule).mastery
    assert (mastery.satisfiable(rubric, rule) is None) == reachable


@given(scored(), rules)
def test_raising_a_level_never_loses_mastery(case, rule):
    rubric, levels = case
    before = mastery.decide(rubric, levels, rule).mastery
    for criterion in rubric.criteria:
        if levels[criterion.id] < criterion.top.number:
            higher = {**levels, criterion.id: levels[criterion.id] + 1}
            assert mastery.decide(rubric, higher, rule).mastery >= before


RUBRIC = Rubric(
    (
        Criterion("a", "A", tuple(Level(n, "", "", n) for n in range(1, 5))),
        Criterion("b", "B", tuple(Level(n, "", "", n) for n in range(1, 4))),
    )
)


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ({"a": 1}, "no level chosen for B$"),
        ({"a": 1, "b": 1, "c": 2}, "the rubric has no criterion c"),
        ({"a": 5, "b": 1}, "A: there is no level 5"),
        ({"a": 0, "b": 1}, "A: there is no level 0"),
        ({"a": True, "b": 1}, "A: the level must be a whole number"),
        ({"a": "2", "b": 1}, "A: the level must be a whole number"),
    ],
)
def test_bad_levels_are_refused(levels, message):
    with pytest.raises(mastery.ScoringError, match=message):
        mastery.total(RUBRIC, levels)


def test_decide_needs_a_rule_with_a_bare_rubric():
    with pytest.raises(TypeError):
        mastery.decide(RUBRIC, {"a": 1, "b": 1})


def test_reasons_name_the_criteria_below_the_level():
    decision = mastery.decide(RUBRIC, {"a": 4, "b": 2}, MasteryRule("all_at_least", 3))
    assert decision.reasons == ("B is at level 2, below level 3",)


def test_unsatisfiable_rules_say_why():
    assert "only goes up to level 3" in mastery.satisfiable(
        RUBRIC, MasteryRule("all_at_least", 4)
    )
    assert "above the rubric maximum 7" in mastery.satisfiable(
        RUBRIC, MasteryRule("total_at_least", 3, min_total=8)
    )
    assert "needs min_total" in mastery.satisfiable(
        RUBRIC, MasteryRule("total_at_least", 3)
    )


# Pathways

KEYS = ("c1", "c2", "c3", "c4")
PATHWAY = Pathway(
    key="p",
    version=1,
    title="P",
    description="",
    credentials=KEYS,
    milestones=(Milestone("half", "Half", KEYS, required=2),),
)


@given(
    st.sets(st.sampled_from(KEYS + ("other",))), st.one_of(st.none(), st.integers(1, 4))
)
def test_progress_partitions_and_counts(held, required):
    path = Pathway(
        "p", 1, "P", "", KEYS, required=required, milestones=PATHWAY.milestones
    )
    progress = pathways.progress(path, held)
    assert set(progress.earned) | set(progress.missing) == set(KEYS)
    assert not set(progress.earned) & set(progress.missing)
    assert progress.complete == (len(set(KEYS) & held) >= path.needed)
    assert progress.next == (progress.missing[0] if progress.missing else None)
    assert ("half" in progress.milestones) == (len(set(KEYS) & held) >= 2)


@given(st.sets(st.sampled_from(KEYS)), st.sampled_from(KEYS))
def test_completed_by_reports_a_pathway_once(held, new_key):
    result = pathways.completed_by([PATHWAY], held, new_key)
    before = pathways.progress(PATHWAY, held - {new_key}).complete
    after = pathways.progress(PATHWAY, held | {new_key}).complete
    assert (result == [PATHWAY]) == (after and not before)


def test_milestones_reached_by_the_second_award():
    reached = pathways.milestones_reached_by(PATHWAY, {"c1"}, "c3")
    assert [m.id for m in reached] == ["half"]
    assert pathways.milestones_reached_by(PATHWAY, {"c1", "c2"}, "c3") == []


def test_completed_lists_only_complete_pathways():
    other = Pathway("q", 1, "Q", "", ("x",))
    assert pathways.completed([PATHWAY, other], {"x"}) == [other]
    assert pathways.completed([PATHWAY, other], set(KEYS)) == [PATHWAY]


def test_n_of_m_pathway():
    two_of = Pathway("p", 1, "P", "", KEYS, required=2)
    assert not pathways.progress(two_of, {"c4"}).complete
    assert pathways.progress(two_of, {"c4", "c1"}).complete
    assert pathways.progress(two_of, {"c4", "c1"}).needed == 2
