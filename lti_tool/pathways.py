"""Pathway completion from the credentials a learner holds.

Pure functions: ``awarded`` is the set of credential keys a learner has been
awarded (any version; a revoked or expired award is simply left out by the
caller).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from lti_tool.credentials import Milestone, Pathway


@dataclass(frozen=True)
class Progress:
    pathway: str
    complete: bool
    earned: tuple[str, ...]
    # Credentials still open, in the pathway's order.
    missing: tuple[str, ...]
    needed: int
    milestones: tuple[str, ...]
    # The next credential to take: the first missing one.
    next: str | None


def _reached(credentials: Iterable[str], required: int | None, held: Set[str]):
    credentials = tuple(credentials)
    count = sum(1 for key in credentials if key in held)
    needed = len(credentials) if required is None else required
    return count >= needed


def milestone_reached(milestone: Milestone, awarded: Set[str]) -> bool:
    return _reached(milestone.credentials, milestone.required, awarded)


def progress(pathway: Pathway, awarded: Iterable[str]) -> Progress:
    """How far a learner is along a pathway."""
    held = frozenset(awarded)
    earned = tuple(k for k in pathway.credentials if k in held)
    missing = tuple(k for k in pathway.credentials if k not in held)
    return Progress(
        pathway=pathway.key,
        complete=_reached(pathway.credentials, pathway.required, held),
        earned=earned,
        missing=missing,
        needed=pathway.needed,
        milestones=tuple(
            m.id for m in pathway.milestones if milestone_reached(m, held)
        ),
        next=missing[0] if missing else None,
    )


def completed(pathways: Iterable[Pathway], awarded: Iterable[str]) -> list[Pathway]:
    """The pathways these awards complete."""
    held = frozenset(awarded)
    return [p for p in pathways if progress(p, held).complete]


def completed_by(
    pathways: Iterable[Pathway], awarded: Iterable[str], new_key: str
) -> list[Pathway]:
    """The pathways that the award of ``new_key`` completes just now.

    ``awarded`` is what the learner held before; a pathway already complete
    without ``new_key`` is not returned again.
    """
    before = frozenset(awarded) - {new_key}
    after = before | {new_key}
    return [
        p
        for p in pathways
        if new_key in p.credentials
        and progress(p, after).complete
        and not progress(p, before).complete
    ]


def milestones_reached_by(
    pathway: Pathway, awarded: Iterable[str], new_key: str
) -> list[Milestone]:
    """The milestones of a pathway that the award of ``new_key`` reaches."""
    before = frozenset(awarded) - {new_key}
    after = before | {new_key}
    return [
        m
        for m in pathway.milestones
        if milestone_reached(m, after) and not milestone_reached(m, before)
    ]
