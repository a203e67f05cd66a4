"""Catalogue files for tests: valid YAML text, broken one way per test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from tests.credential_factory import definition_data

PATHWAY: dict[str, Any] = {
    "key": "storyteller",
    "title": "Storyteller",
    "description": "Stories, spoken and written.",
    "credentials": ["tell-what-happened"],
    "milestones": [],
}


def document(
    credentials: list[dict[str, Any]] | None = None,
    pathways: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"pathmark_catalogue": 1}
    doc["credentials"] = [definition_data()] if credentials is None else credentials
    if pathways is not None:
        doc["pathways"] = pathways
    return doc


def pathway(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(PATHWAY)
    data.update(changes)
    return data


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def write(folder: Path, name: str, doc: dict[str, Any] | str) -> Path:
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else dump(doc), encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")
