"""Rubric sheets, moderation policy, four eyes and the state machine: pure."""

from __future__ import annotations

import pytest

from lti_tool import moderation, rubrics
from lti_tool.credential_codec import definition_from_dict
from lti_tool.moderation import Action, Code, Refused, Status
from tests.credential_factory import criterion_data, definition_data


def definition(**changes):
    return definition_from_dict(definition_data(**changes))


def all_at(level: int) -> dict[str, int]:
    return {c: level for c in ("coherence", "range", "fluency", "intelligibility")}


def test_compose_inserts_the_script_of_each_chosen_level_and_the_note():
    defn = definition()
    levels = all_at(3) | {"range": 2}
    scored = rubrics.compose(defn, levels, notes={"range": "Nice idioms."})
    by_id = {f.criterion_id: f for f in scored.feedback}
    assert by_id["range"].standard.startswith("You showed range at step 2.")
    assert "Next step: Aim for step 3 next time." in by_id["range"].standard
    assert by_id["range"].text.endswith("Nice idioms.")
    assert by_id["coherence"].note == ""
    assert scored.total == 11.0
    assert not scored.decision.mastery
    assert scored.decision.reasons == ("Range is at level 2, below level 3",)


def test_compose_without_a_script_falls_back_to_the_descriptor():
    crit = criterion_data("task", "Task")
    for level in crit["levels"]:
        del level["feedback"]
    defn = definition(rubric={"criteria": [crit]})
    scored = rubrics.compose(defn, {"task": 4})
    assert scored.feedback[0].standard == "Task: Strong. Task at step 4."


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        (all_at(3) | {"range": 5}, "Range: there is no level 5"),
        (all_at(3) | {"tone": 2}, "the rubric has no criterion tone"),
        ({"coherence": 3}, "no level chosen for Range, Fluency, Intelligibility$"),
    ],
)
def test_compose_refuses_a_sheet_that_does_not_fit(levels, message):
    with pytest.raises(rubrics.SheetError, match=message):
        rubrics.compose(definition(), levels)


def test_length_errors_name_the_note_or_the_overall_feedback():
    long = "x" * (rubrics.MAX_NOTE + 1)
    with pytest.raises(rubrics.SheetError) as overall:
        rubrics.compose(definition(), all_at(3), overall=long)
    assert str(overall.value) == "overall feedback may be at most 2000 characters"
    with pytest.raises(rubrics.SheetError, match="^a note may be at most 2000"):
        rubrics.compose(definition(), all_at(3), {"range": long})


def test_parse_levels_from_form_values():
    rubric = definition().rubric
    assert rubrics.parse_levels(rubric, {"range": "2", "fluency": ""}) == {"range": 2}
    with pytest.raises(rubrics.SheetError, match="no criterion 'other'"):
        rubrics.parse_levels(rubric, {"other": "2"})
    with pytest.raises(rubrics.SheetError, match="whole number"):
        rubrics.parse_levels(rubric, {"range": "two"})
    with pytest.raises(rubrics.SheetError, match="no level 0"):
        rubrics.parse_levels(rubric, {"range": "0"})


def test_notes_for_a_criterion_of_another_rubric_are_refused():
    with pytest.raises(rubrics.SheetError, match="no criterion tone"):
        rubrics.compose(definition(), all_at(3), notes={"tone": "hi"})


def test_gentle_check_warns_without_next_step_or_descriptor():
    crit = definition().rubric.criterion("range")
    assert rubrics.feedback_warnings(crit, 3, rubrics.standard_text(crit, 3)) == []
    warnings = rubrics.feedback_warnings(crit, 3, "Well done!")
    assert warnings == [
        "Range: the feedback names no next step.",
        "Range: the feedback cites nothing of the level descriptor.",
    ]
    assert (
        rubrics.feedback_warnings(
            crit, 3, "Your range is good; try new verbs next time."
        )
        == []
    )


def test_gradebook_comment_carries_no_feedback_text():
    defn = definition()
    scored = rubrics.compose(defn, all_at(4), notes={"range": "private words"})
    comment = rubrics.gradebook_comment(defn, scored)
    assert comment == "Mastery reached: Tell me what happened (16/16)."
    assert "private" not in comment


# Moderation policy


def test_policy_none_never_picks():
    defn = definition(moderation={"mode": "none"})
    assert not moderation.pick(defn, all_at(3), draw=0.0).required


def test_every_mastery_picks_mastery_decisions_only():
    defn = definition()
    assert moderation.pick(defn, all_at(3), draw=0.99).required
    assert not moderation.pick(defn, all_at(2), draw=0.0).required


@pytest.mark.parametrize(
    ("levels", "near"),
    [
        (all_at(3), True),  # one criterion down flips mastery
        (all_at(3) | {"range": 2}, True),  # one criterion up reaches it
        (all_at(4), False),
        (all_at(1), False),
        (all_at(2), False),  # one up still leaves three below
    ],
)
def test_near_threshold(levels, near):
    assert moderation.near_threshold(definition(), levels) is near


def test_sample_picks_near_threshold_and_a_random_share():
    defn = definition(moderation={"mode": "sample", "sample_share": 0.25})
    assert moderation.pick(defn, all_at(3), draw=0.99).required
    assert moderation.pick(defn, all_at(4), draw=0.10).required
    assert not moderation.pick(defn, all_at(4), draw=0.25).required
    assert not moderation.pick(defn, all_at(1), draw=0.90).required


def test_sample_share_is_honoured_over_many_draws():
    defn = definition(moderation={"mode": "sample", "sample_share": 0.3})
    draws = [i / 1000 for i in range(1000)]
    picked = sum(moderation.pick(defn, all_at(4), d).required for d in draws)
    assert picked == 300


# Four eyes


def test_another_person_may_verify():
    assert not moderation.check_four_eyes(
        definition(),
        assessor_id=1,
        moderator_id=2,
        sole_verifier=False,
        confirmed=False,
    )


def test_assessor_cannot_verify_own_scoring():
    with pytest.raises(Refused) as caught:
        moderation.check_four_eyes(
            definition(),
            assessor_id=1,
            moderator_id=1,
            sole_verifier=True,
            confirmed=True,
        )
    assert caught.value.code is Code.FOUR_EYES


def test_self_verification_needs_policy_sole_verifier_and_confirmation():
    defn = definition(
        moderation={"mode": "every_mastery", "allow_self_verification": True}
    )
    with pytest.raises(Refused, match="Another instructor of this course"):
        moderation.check_four_eyes(
            defn, assessor_id=1, moderator_id=1, sole_verifier=False, confirmed=True
        )
    with pytest.raises(Refused, match="explicit confirmation"):
        moderation.check_four_eyes(
            defn, assessor_id=1, moderator_id=1, sole_verifier=True, confirmed=False
        )
    assert moderation.check_four_eyes(
        defn, assessor_id=1, moderator_id=1, sole_verifier=True, confirmed=True
    )


# State machine


@pytest.mark.parametrize(
    ("status", "action", "required", "after"),
    [
        (Status.DRAFT, Action.SAVE, False, Status.DRAFT),
        (Status.DRAFT, Action.SUBMIT, True, Status.SCORED),
        (Status.SCORED, Action.VERIFY, True, Status.MODERATED),
        (Status.SCORED, Action.ADJUST, True, Status.MODERATED),
        (Status.SCORED, Action.SEND_BACK, True, Status.DRAFT),
        (Status.SCORED, Action.RELEASE, False, Status.RELEASED),
        (Status.MODERATED, Action.RELEASE, True, Status.RELEASED),
        (Status.MODERATED, Action.RETURN, True, Status.RETURNED),
        (Status.DRAFT, Action.RETURN, False, Status.RETURNED),
    ],
)
def test_allowed_moves(status, action, required, after):
    assert moderation.next_status(status, action, required=required) is after


@pytest.mark.parametrize(
    ("status", "action", "required", "code"),
    [
        (Status.SCORED, Action.RELEASE, True, Code.NEEDS_MODERATION),
        (Status.DRAFT, Action.RELEASE, False, Code.WRONG_STATE),
        (Status.DRAFT, Action.VERIFY, True, Code.WRONG_STATE),
        (Status.MODERATED, Action.SAVE, True, Code.WRONG_STATE),
        (Status.RELEASED, Action.SAVE, False, Code.WRONG_STATE),
        (Status.RELEASED, Action.RETURN, False, Code.WRONG_STATE),
        (Status.RETURNED, Action.SUBMIT, False, Code.WRONG_STATE),
    ],
)
def test_refused_moves(status, action, required, code):
    with pytest.raises(Refused) as caught:
        moderation.next_status(status, action, required=required)
    assert caught.value.code is code
    assert caught.value.status in (403, 409)
