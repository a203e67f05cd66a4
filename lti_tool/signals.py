"""What one area of Pathmark tells the others, without importing them.

Evidence intake announces a submission; assessment announces a release.
Grade sync and badge issuance listen. Receivers run synchronously, inside
the sender's database transaction, so whatever they write (a score to send,
an award to mint) commits or rolls back with the state change that caused
it. Payloads are plain data: a receiver needs no model of the sender's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from blinker import Namespace

_signals = Namespace()


@dataclass(frozen=True)
class ArtefactRef:
    """An artefact as evidence elsewhere: its digest, never its content."""

    artefact_id: str
    sha256: str
    media_type: str
    size: int
    capture_mode: str  # "recorded", "uploaded" or "typed"
    received_at: datetime
    # How identity was checked while it was made (EU element), e.g.
    # "unsupervised", "supervised", "supervised-id-verified".
    supervision: str = "unsupervised"


@dataclass(frozen=True)
class SubmissionEvent:
    """A learner handed in an attempt (not a draft)."""

    submission_id: int
    resource_link_id: int
    person_id: int
    credential_version_id: int | None
    # The learner's launch the submission was made in: its claims carry the
    # AGS endpoint and the platform's ids.
    launch_id: str
    submitted_at: datetime
    score_maximum: float


@dataclass(frozen=True)
class ReleaseEvent:
    """Staff released a final (moderated where required) assessment."""

    assessment_id: int
    submission_id: int
    resource_link_id: int
    person_id: int
    credential_version_id: int
    launch_id: str
    submitted_at: datetime
    released_at: datetime
    score_given: float
    score_maximum: float
    mastery: bool
    # criterion id -> achieved level number
    levels: dict[str, int] = field(default_factory=dict)
    # A short summary for the gradebook comment (no learner content).
    comment: str = ""
    evidence: tuple[ArtefactRef, ...] = ()
    assessor_id: int | None = None
    moderator_id: int | None = None


# sender: the app's name; keyword argument ``event``: the dataclass above.
submission_submitted = _signals.signal("submission-submitted")
assessment_released = _signals.signal("assessment-released")
