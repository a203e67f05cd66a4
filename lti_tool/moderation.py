"""Moderation rules: which assessments a second person verifies, and who.

Pure functions over ``lti_tool.credentials`` values: no Flask, no database.

An assessment moves ``draft`` -> ``scored`` (the assessor submits) ->
``moderated`` (a second person verified or adjusted it) -> ``released``
(the learner sees it, the gradebook gets the score). Where the credential's
policy does not pick it for verification, ``scored`` goes straight to
``released``. A moderator may send a scoring back to ``draft`` with a note;
staff may return unreleased work to the learner (``returned``) for a new
attempt. A released assessment never changes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from lti_tool import mastery
from lti_tool.credentials import CredentialDefinition


class Status(StrEnum):
    DRAFT = "draft"
    SCORED = "scored"
    MODERATED = "moderated"
    RELEASED = "released"
    RETURNED = "returned"


class Action(StrEnum):
    SAVE = "save"
    SUBMIT = "submit"
    VERIFY = "verify"
    ADJUST = "adjust"
    SEND_BACK = "send_back"
    RELEASE = "release"
    RETURN = "return"


class Code(StrEnum):
    """Why an assessment request was refused; each has an HTTP status."""

    NOT_STAFF = "not_staff"
    NOT_MODERATOR = "not_moderator"
    OTHER_COURSE = "other_course"
    NOT_FOUND = "not_found"
    FOUR_EYES = "four_eyes"
    BAD_SHEET = "bad_sheet"
    WRONG_STATE = "wrong_state"
    NEEDS_MODERATION = "needs_moderation"
    CONFLICT = "conflict"


STATUS_OF: dict[Code, int] = {
    Code.NOT_STAFF: 403,
    Code.NOT_MODERATOR: 403,
    Code.OTHER_COURSE: 403,
    Code.NOT_FOUND: 404,
    Code.FOUR_EYES: 403,
    Code.BAD_SHEET: 400,
    Code.WRONG_STATE: 409,
    Code.NEEDS_MODERATION: 409,
    Code.CONFLICT: 409,
}


class Refused(Exception):
    """A refused assessment request, with a message for the person."""

    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return STATUS_OF[self.code]


# (status, action) -> the status after it.
_MOVES: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SAVE): Status.DRAFT,
    (Status.DRAFT, Action.SUBMIT): Status.SCORED,
    (Status.SCORED, Action.VERIFY): Status.MODERATED,
    (Status.SCORED, Action.ADJUST): Status.MODERATED,
    (Status.SCORED, Action.SEND_BACK): Status.DRAFT,
    (Status.SCORED, Action.RELEASE): Status.RELEASED,
    (Status.MODERATED, Action.RELEASE): Status.RELEASED,
    (Status.DRAFT, Action.RETURN): Status.RETURNED,
    (Status.SCORED, Action.RETURN): Status.RETURNED,
    (Status.MODERATED, Action.RETURN): Status.RETURNED,
}


def next_status(status: Status | str, action: Action, *, required: bool) -> Status:
    """The status after ``action``; refuses a move the rules do not allow.

    ``required``: whether the policy picked this assessment for moderation,
    so releasing it straight from ``scored`` is refused.
    """
    status = Status(status)
    if status is Status.RELEASED:
        raise Refused(
            Code.WRONG_STATE,
            "This assessment is released and can no longer change.",
        )
    if status is Status.RETURNED:
        raise Refused(
            Code.WRONG_STATE,
            "This work was returned to the learner for a new attempt.",
        )
    if (status, action) == (Status.SCORED, Action.RELEASE) and required:
        raise Refused(
            Code.NEEDS_MODERATION,
            "A second person must verify this decision before it is released.",
        )
    after = _MOVES.get((status, action))
    if after is None:
        raise Refused(
            Code.WRONG_STATE, f"An assessment that is {status} cannot {action}."
        )
    return after


def near_threshold(definition: CredentialDefinition, levels: Mapping[str, int]) -> bool:
    """True when one criterion one level up or down would flip the decision."""
    reached = mastery.decide(definition, levels).mastery
    for criterion in definition.rubric.criteria:
        for step in (-1, 1):
            moved = dict(levels)
            moved[criterion.id] = levels[criterion.id] + step
            try:
                flipped = mastery.decide(definition, moved).mastery != reached
            except mastery.ScoringError:
                continue  # off the scale: not a neighbour
            if flipped:
                return True
    return False


@dataclass(frozen=True)
class Pick:
    """Whether an assessment needs verification, and why (for the audit).

    ``drawn``: the random share was applied to it, so the mentor's tally
    counts it; decisions near the threshold are picked without a draw.
    """

    required: bool
    reason: str
    drawn: bool = False


@dataclass(frozen=True)
class Tally:
    """One mentor's decisions on one credential open to the random share."""

    seen: int = 0
    picked: int = 0

    def after(self, pick: Pick) -> Tally:
        if not pick.drawn:
            return self
        return Tally(self.seen + 1, self.picked + int(pick.required))


def share_picks(share: float, tally: Tally, draw: float) -> bool:
    """Whether the random share picks a mentor's next decision.

    The chance is what the mentor's picks lack to reach ``share`` of their
    decisions with this one counted: ``share * (seen + 1) - picked``. So
    each pick is random, yet after ``n`` decisions the mentor always has
    more than ``share * n - 1`` and fewer than ``share * n + 1`` picks
    (exactly ``share * n`` when that is whole). Known limit: right after a
    pick the chance drops, so a mentor who knew this rule and saw their own
    picks could tell that the next decision or two are less likely to be
    sampled.
    """
    return draw < share * (tally.seen + 1) - tally.picked


def pick(
    definition: CredentialDefinition,
    levels: Mapping[str, int],
    draw: float,
    tally: Tally | None = None,
) -> Pick:
    """Apply the credential's moderation policy to a complete scoring.

    ``draw`` is a uniform random number in [0, 1) taken once per submitted
    scoring; ``tally`` is the assessor's record on this credential. In
    ``sample`` mode every decision near the mastery threshold is picked,
    and the share of the mentor's other decisions follows ``share_picks``.
    """
    policy = definition.moderation
    if policy.mode == "none":
        return Pick(False, "policy: none")
    decision = mastery.decide(definition, levels)
    if policy.mode == "every_mastery":
        if decision.mastery:
            return Pick(True, "policy: every mastery decision")
        return Pick(False, "policy: every mastery decision; not mastery")
    if near_threshold(definition, levels):
        return Pick(True, "sample: near the mastery threshold")
    share = policy.sample_share
    if share_picks(share, tally or Tally(), draw):
        return Pick(True, f"sample: random share {share:g}", drawn=True)
    return Pick(False, "sample: not picked", drawn=True)


def check_four_eyes(
    definition: CredentialDefinition,
    *,
    assessor_id: int,
    moderator_id: int,
    sole_verifier: bool,
    confirmed: bool,
) -> bool:
    """Refuse an assessor moderating their own scoring; true for self-checks.

    Self-verification is allowed only when the policy allows it, no one
    else in the course may verify (helpers who only score do not count) and
    the person confirmed it explicitly; it returns ``True`` so the caller
    records it as such.
    """
    if assessor_id != moderator_id:
        return False
    policy = definition.moderation
    if not policy.allow_self_verification:
        raise Refused(
            Code.FOUR_EYES,
            "You scored this submission, so another person must verify it.",
        )
    if not sole_verifier:
        raise Refused(
            Code.FOUR_EYES,
            "Another instructor of this course can verify: ask them to check "
            "your scoring.",
        )
    if not confirmed:
        raise Refused(
            Code.FOUR_EYES,
            "Verifying your own scoring needs an explicit confirmation.",
        )
    return True
