"""What a micro-credential is: outcome, evidence, rubric, mastery, moderation.

Plain frozen values with no Flask and no database, so scoring, moderation,
grade sync and badge issuance can all read one definition the same way.
A ``CredentialDefinition`` is one exact version: the version number is part
of it, and whatever is assessed against it points at that version.

Their plain-data form (database rows, catalogue files) is in
``lti_tool.credential_codec``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EVIDENCE_KINDS = ("recording", "upload", "text", "link")
MASTERY_KINDS = ("all_at_least", "total_at_least")
MODERATION_MODES = ("none", "every_mastery", "sample")
PARTICIPATION_FORMS = ("online", "onsite", "blended")
# How identity was checked while evidence was made (EU optional element).
SUPERVISION_LEVELS = ("unsupervised", "supervised", "supervised-id-verified")
EQF_NOT_REFERENCED = "not referenced"


@dataclass(frozen=True)
class Level:
    """One step of a criterion's scale: 1 is the lowest."""

    number: int
    label: str
    descriptor: str
    points: float


@dataclass(frozen=True)
class FeedbackScript:
    """Compliment-first feedback: a strength, one next step, a practice."""

    strength: str
    next_step: str
    practice: str


@dataclass(frozen=True)
class Criterion:
    """One thing the mentor judges, on three or four ordered levels."""

    id: str
    title: str
    levels: tuple[Level, ...]
    # level number -> the script a mentor starts from at that level
    feedback: dict[int, FeedbackScript] = field(default_factory=dict)

    def level(self, number: int) -> Level:
        """The level with this number; ``KeyError`` when there is none."""
        for level in self.levels:
            if level.number == number:
                return level
        raise KeyError(f"criterion {self.id!r} has no level {number}")

    @property
    def top(self) -> Level:
        return max(self.levels, key=lambda lv: lv.number)

    @property
    def bottom(self) -> Level:
        return min(self.levels, key=lambda lv: lv.number)


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]

    @property
    def maximum(self) -> float:
        """The best possible total: each criterion's top level, summed."""
        return float(sum(c.top.points for c in self.criteria))

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id; ``KeyError`` when there is none."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(f"the rubric has no criterion {criterion_id!r}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)


@dataclass(frozen=True)
class EvidenceRequirements:
    """What a learner hands in, and the limits intake enforces."""

    kinds: tuple[str, ...]
    media_types: tuple[str, ...] = ()
    max_bytes: int = 200 * 1024 * 1024
    min_seconds: int | None = None
    max_seconds: int | None = None
    min_words: int | None = None
    max_words: int | None = None
    prompt: str = ""
    # Hide the prompt until recording starts (no rehearsed script).
    reveal_prompt_on_record: bool = False
    # Takes a learner may record; only the last one is submitted.
    takes: int = 1
    # Whether a learner may submit again after an assessment.
    resubmission: bool = True


@dataclass(frozen=True)
class MasteryRule:
    """When an assessment counts as mastery.

    ``all_at_least``: every criterion at ``level`` or above.
    ``total_at_least``: a total of at least ``min_total`` and, when
    ``floor_level`` is set, no criterion below it. There ``level`` names the
    level learners are told is the mastery standard (shown in the rubric).
    """

    kind: Literal["all_at_least", "total_at_least"]
    level: int
    min_total: float | None = None
    floor_level: int | None = None


@dataclass(frozen=True)
class ModerationPolicy:
    """Which assessments a second person verifies before release."""

    mode: Literal["none", "every_mastery", "sample"]
    # Share of assessments picked for verification in "sample" mode (0-1].
    sample_share: float = 0.0
    # Whether the assessor may also be the verifier.
    allow_self_verification: bool = False


@dataclass(frozen=True)
class Alignment:
    """A link to a framework entry, e.g. a CEFR scale at a level."""

    framework: str
    code: str
    name: str
    url: str = ""
    level: str = ""


@dataclass(frozen=True)
class EuElements:
    """Elements of Council Recommendation 2022/C 243/02, Annex I."""

    learning_outcomes: tuple[str, ...] = ()
    workload_hours: float = 0.0
    ects: float | None = None
    # CEFR is not EQF: stays "not referenced" unless a body levelled it.
    eqf_level: str = EQF_NOT_REFERENCED
    assessment_type: str = ""
    participation: str = "online"
    quality_assurance: str = ""
    prerequisites: tuple[str, ...] = ()
    # Default supervision level recorded with evidence captured for it.
    supervision: str = "unsupervised"


@dataclass(frozen=True)
class CredentialDefinition:
    """One exact version of a micro-credential."""

    key: str
    version: int
    title: str
    outcome: str
    skill: str
    level: str
    alignments: tuple[Alignment, ...]
    evidence: EvidenceRequirements
    rubric: Rubric
    mastery: MasteryRule
    moderation: ModerationPolicy
    expiry_days: int | None
    eu: EuElements
    description: str = ""
    criteria_narrative: str = ""

    @property
    def score_maximum(self) -> float:
        return self.rubric.maximum


@dataclass(frozen=True)
class Milestone:
    """A step inside a pathway, reached with some of its credentials."""

    id: str
    title: str
    credentials: tuple[str, ...]
    # None: all of ``credentials``; n: any n of them.
    required: int | None = None


@dataclass(frozen=True)
class Pathway:
    """A stack of credentials that earns its own badge when complete."""

    key: str
    version: int
    title: str
    description: str
    credentials: tuple[str, ...]
    # None: all of ``credentials``; n: any n of them.
    required: int | None = None
    # Whether ``credentials`` is the recommended order.
    ordered: bool = False
    # Pathways or credentials recommended before this one.
    prerequisites: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    level: str = ""
    criteria_narrative: str = ""

    @property
    def needed(self) -> int:
        """How many of the credentials complete the pathway."""
        return len(self.credentials) if self.required is None else self.required
