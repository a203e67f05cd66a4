"""The credentials a teacher can place in a course.

Until catalogue files are imported, Pathmark offers one example credential
so that Deep Linking works end to end on a fresh install.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placeable:
    key: str
    version: int
    title: str
    outcome: str
    level: str
    skill: str
    score_maximum: float

    @property
    def resource_id(self) -> str:
        return f"{self.key}@v{self.version}"


EXAMPLE = Placeable(
    key="introduce-yourself",
    version=1,
    title="Introduce yourself and someone close to you",
    outcome=(
        "Gives a short, connected spoken description of themselves and a "
        "familiar person: who they are, where they live, what they do, and a "
        "simple opinion about them."
    ),
    level="A2",
    skill="Spoken production",
    score_maximum=16.0,
)


def placeable() -> list[Placeable]:
    return [EXAMPLE]


def find(key: str) -> Placeable | None:
    return next((p for p in placeable() if p.key == key), None)
