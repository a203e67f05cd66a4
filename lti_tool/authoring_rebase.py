"""Publishing over a newer version: notice it, and rebase the edits.

The authoring form remembers the version it was started from (hidden
``base_version`` and ``base_digest`` fields, kept in drafts like any other
value). When another version of the credential was published since,
publishing would silently replace that work, so the page stops and asks:
publish anyway, or rebase. Rebasing lays the fields this editor changed
over the newer version and names the fields both sides changed.

Pure functions over the flat form values of ``authoring_form``: no Flask,
no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

BASE_FIELDS = ("base_version", "base_digest")


def base_values(version_id: int | None, digest: str | None) -> dict[str, str]:
    """The hidden fields naming the version an edit starts from."""
    if version_id is None:
        return {"base_version": "", "base_digest": ""}
    return {"base_version": str(version_id), "base_digest": digest or ""}


def is_stale(values: Mapping[str, Any], current_id: int, current_digest: str) -> bool:
    """Whether the current version is not the one this edit started from.

    A form without a base (a new credential whose key was taken meanwhile,
    or a page from before bases were kept) counts as stale: it cannot show
    that it saw the current version.
    """
    return values.get("base_version") != str(current_id) or (
        values.get("base_digest") != current_digest
    )


def _same(value: Any) -> Any:
    """A value as compared: blanks equal missing, lists ignore order."""
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        return tuple(sorted(str(v) for v in value))
    return str(value)


@dataclass(frozen=True)
class Rebased:
    values: dict[str, Any]
    # Changed in the newer version only: taken from it.
    taken: tuple[str, ...]
    # Changed on both sides, differently: this editor's value kept.
    conflicts: tuple[str, ...]


def rebase(
    mine: Mapping[str, Any], base: Mapping[str, Any], theirs: Mapping[str, Any]
) -> Rebased:
    """A three-way merge of form values, field by field.

    ``base`` is the version the edit started from (empty when unknown: then
    every field this editor filled counts as changed by them).
    """
    merged: dict[str, Any] = {}
    taken, conflicts = [], []
    for name in sorted((set(mine) | set(base) | set(theirs)) - set(BASE_FIELDS)):
        m, b, t = (_same(side.get(name)) for side in (mine, base, theirs))
        if m == b:
            merged[name] = theirs.get(name, "")
            if t != b:
                taken.append(name)
        else:
            merged[name] = mine.get(name, "")
            if t not in (b, m):
                conflicts.append(name)
    return Rebased(merged, tuple(taken), tuple(conflicts))
