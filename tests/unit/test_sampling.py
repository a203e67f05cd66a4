"""The moderation sample holds its share per mentor: rule and tally."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from lti_tool import assessments, moderation
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.models import Assessment, SamplingTally
from lti_tool.moderation import Tally
from tests.assessment_factory import all_at, world
from tests.credential_factory import definition_data

SAMPLE = {"mode": "sample", "sample_share": 0.25}
FAR = {c: 4 for c in ("coherence", "range", "fluency", "intelligibility")}
NEAR = {c: 3 for c in FAR}  # one criterion down flips mastery


def sampled(share: float = 0.25):
    policy = {"mode": "sample", "sample_share": share}
    return definition_from_dict(definition_data(moderation=policy))


def run(defn, draws, levels=FAR, tally=None):
    """Each decision's pick in turn, and the tally afterwards."""
    tally = tally or Tally()
    picks = []
    for draw in draws:
        found = moderation.pick(defn, levels, draw, tally)
        tally = tally.after(found)
        picks.append(found.required)
    return picks, tally


@pytest.mark.parametrize(
    ("tally", "draw", "picked"),
    [
        (Tally(0, 0), 0.24, True),  # chance 0.25
        (Tally(0, 0), 0.25, False),
        (Tally(3, 0), 0.999, True),  # chance 1: three passed unpicked
        (Tally(1, 1), 0.0, False),  # chance 0.5 - 1: just picked
        (Tally(5, 1), 0.49, True),  # chance 1.5 - 1 = 0.5
        (Tally(5, 1), 0.5, False),
    ],
)
def test_share_picks_known_answers(tally, draw, picked):
    assert moderation.share_picks(0.25, tally, draw) is picked


@pytest.mark.parametrize("seed", range(20))
def test_one_mentor_gets_the_share_of_forty_decisions(seed):
    rng = random.Random(seed)
    draws = [rng.random() for _ in range(40)]
    picks, tally = run(sampled(), draws)
    assert 9 <= sum(picks) <= 11
    assert tally == Tally(40, sum(picks))
    # Never more than one decision away from the share along the way.
    for n in range(1, 41):
        assert abs(sum(picks[:n]) - 0.25 * n) < 1


@pytest.mark.parametrize("share", [0.0, 0.1, 0.3, 0.6, 0.9, 1.0])
def test_any_share_stays_within_one_decision_all_along(share):
    defn = sampled(share)
    for seed in range(10):
        rng = random.Random(seed)
        picks, _ = run(defn, [rng.random() for _ in range(60)])
        for n in range(1, 61):
            assert abs(sum(picks[:n]) - share * n) < 1
    if share in (0.0, 1.0):
        assert set(picks) == {bool(share)}


def test_which_decisions_are_picked_varies_with_the_draws():
    orders = set()
    for seed in range(20):
        rng = random.Random(seed)
        picks, _ = run(sampled(), [rng.random() for _ in range(40)])
        orders.add(tuple(picks))
    assert len(orders) > 10  # not a fixed every-fourth pattern


def test_two_mentors_are_sampled_independently():
    defn = sampled()
    rng = random.Random(7)
    draws = {"a": [rng.random() for _ in range(40)]}
    draws["b"] = [rng.random() for _ in range(12)]
    alone = {who: run(defn, d)[0] for who, d in draws.items()}
    # Interleaved, each mentor's picks follow their own tally only.
    tallies = {"a": Tally(), "b": Tally()}
    picks = {"a": [], "b": []}
    order = ["a"] * 28 + ["b", "a"] * 12
    position = {"a": 0, "b": 0}
    for who in order:
        draw = draws[who][position[who]]
        position[who] += 1
        found = moderation.pick(defn, FAR, draw, tallies[who])
        tallies[who] = tallies[who].after(found)
        picks[who].append(found.required)
    assert picks == alone
    assert sum(picks["b"]) == 3 and 9 <= sum(picks["a"]) <= 11


def test_near_threshold_is_always_picked_and_spends_none_of_the_share():
    defn = sampled()
    found = moderation.pick(defn, NEAR, 0.99, Tally(4, 1))
    assert found.required and not found.drawn
    assert Tally(4, 1).after(found) == Tally(4, 1)
    # A run of near-threshold decisions leaves the random share untouched.
    picks, tally = run(defn, [0.0] * 10, NEAR)
    assert all(picks) and tally == Tally()


def test_other_policies_keep_no_tally():
    for policy in ({"mode": "none"}, {"mode": "every_mastery"}):
        defn = definition_from_dict(definition_data(moderation=policy))
        found = moderation.pick(defn, FAR, 0.0, Tally(3, 0))
        assert not found.drawn


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world(moderation=SAMPLE)
    course = w.course("course-1")
    s = SimpleNamespace(
        world=w,
        course=course,
        link=w.link(course, "link-1"),
        ann=w.person(course, "ann", "mentor"),
        bob=w.person(course, "bob", "mentor"),
    )
    db.session.commit()
    yield s
    db.session.rollback()
    ctx.pop()


def _submit(s, mentor, n: int, draw: float, levels=None):
    learner = s.world.person(s.course, f"learner-{n}", "learner")
    sub = s.world.submission(s.link, learner)
    row = assessments.save(
        mentor,
        sub.id,
        revision=0,
        levels=levels or all_at(4),
        notes={},
        submit=True,
        draw=draw,
    )
    db.session.commit()
    return row


def test_saved_scorings_keep_a_tally_per_mentor(scene):
    # Ann's eight decisions with high draws: the share still picks two.
    ann = [_submit(scene, scene.ann, n, 0.9) for n in range(8)]
    assert sum(row.moderation_required for row in ann) == 2
    # Bob starts his own tally: his first decision is not forced by Ann's.
    bob = _submit(scene, scene.bob, 100, 0.9)
    assert not bob.moderation_required
    # A near-threshold decision is picked and leaves Ann's tally alone.
    near = _submit(scene, scene.ann, 200, 0.9, all_at(3))
    assert near.moderation_required
    tallies = {
        row.assessor_id: (row.seen, row.picked)
        for row in db.session.scalars(db.select(SamplingTally))
    }
    assert tallies == {scene.ann.person_id: (8, 2), scene.bob.person_id: (1, 0)}
    reasons = {r.moderation_reason for r in db.session.scalars(db.select(Assessment))}
    assert "sample: near the mastery threshold" in reasons
