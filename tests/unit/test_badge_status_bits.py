"""Status bits are handed out at random among the free ones.

A free bit is clear (not revoked, not superseded by a re-issue) and named
by no award; the index says nothing about when a badge was issued.
"""

from __future__ import annotations

from lti_tool.badges import status_list
from lti_tool.db import db
from lti_tool.models import BadgeAward, BadgeStatusList
from tests import badge_helpers as h


def _never_used(candidates):
    return set()


def test_only_clear_unnamed_bits_are_chosen():
    bits = status_list.Bitstring(16)
    for i in range(16):
        if i not in (3, 9, 12):
            bits.set(i, True)
    named = {3, 9}
    asked = []

    def used(candidates):
        asked.append(candidates)
        return named if candidates is None else candidates & named

    picks = {status_list.random_free(bits, used) for _ in range(30)}
    assert picks == {12}
    # The clear bits were all checked against the awards, never the set ones.
    assert all(c is None or c <= {3, 9, 12} for c in asked)


def test_a_full_list_has_no_free_bit():
    bits = status_list.Bitstring(8)
    for i in range(4):
        bits.set(i, True)
    assert status_list.random_free(bits, lambda c: set(range(4, 8))) is None
    assert status_list.random_free(bits, _never_used) in {4, 5, 6, 7}


def test_picks_spread_over_the_whole_list():
    bits = status_list.Bitstring(64)
    picks = {status_list.random_free(bits, _never_used) for _ in range(200)}
    assert len(picks) > 32 and max(picks) > 32


def test_awards_take_distinct_non_sequential_bits(app):
    with app.app_context():
        version_id = h.credential().id
        for n in range(4):
            learner = h.person(email=f"l{n}@example.org", sub=f"l{n}")
            h.release(learner.id, version_id, assessment_id=n + 1)
        db.session.commit()
        indexes = db.session.scalars(db.select(BadgeAward.status_index)).all()
        row = db.session.scalars(db.select(BadgeStatusList)).one()
    assert len(set(indexes)) == 4
    # In order they would be 0..3; at random over 131,072 bits, never all.
    assert sorted(indexes) != [0, 1, 2, 3]
    assert row.next_index == 4
