"""Importing and exporting catalogue files against the database.

Import checks every file first and writes nothing if anything is wrong;
then it saves every credential and pathway in one transaction, so a failure
half-way leaves the catalogue as it was. Saving follows ``catalogue.save``:
unchanged data changes nothing, an edit to a version already in use makes
the next version. A file that says which version it was exported from is
refused when the catalogue has moved on since, so an old export cannot
quietly undo newer edits. Export writes a file that imports back to the
same catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from lti_tool import catalogue
from lti_tool.catalogue_files import Catalogue, Entry, Located, read
from lti_tool.catalogue_validation import FORMAT_VERSION
from lti_tool.config import config_dir
from lti_tool.credential_codec import (
    definition_to_dict,
    pathway_from_dict,
    pathway_to_dict,
)
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import Pathway as PathwayRow
from lti_tool.models import PathwayVersion


class CatalogueInvalid(ValueError):
    """Files that cannot be imported, with every problem found."""

    def __init__(self, problems: Sequence[Located]):
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")


@dataclass(frozen=True)
class Saved:
    kind: str  # "credential" or "pathway"
    key: str
    version: int
    outcome: str  # one of catalogue.UNCHANGED, CREATED, UPDATED, NEW_VERSION

    def __str__(self) -> str:
        return f"{self.kind} {self.key} v{self.version}: {self.outcome}"


def example_catalogue_dir() -> Path:
    """The catalogue shipped in ``config/catalogue``."""
    return config_dir() / "catalogue"


def stored_keys() -> set[str]:
    return {row.key for row in catalogue.tool_credentials()}


def check(paths: Sequence[str | Path]) -> Catalogue:
    """Read and check files against what is already stored."""
    found = read(paths, known_credentials=stored_keys())
    found.problems.extend(_stale(found))
    return found


def _stale(found: Catalogue) -> list[Located]:
    """Entries exported from a version older than the stored current one."""
    problems = []
    for entry in found.credentials:
        number = entry.data.get("version")
        row = catalogue.credential(entry.data["key"])
        if number is None or row is None or number == row.current_version:
            continue
        current = catalogue.current_of(row)
        if catalogue.fingerprint(entry.data) == current.digest:
            continue
        problems.append(_behind(entry, number, row.current_version))
    for entry in found.pathways:
        number = entry.data.get("version")
        prow = db.session.scalar(
            select(PathwayRow).where(PathwayRow.key == entry.data["key"])
        )
        if number is not None and prow is not None and number != prow.current_version:
            problems.append(_behind(entry, number, prow.current_version))
    return problems


def _behind(entry: Entry, number: int, current: int) -> Located:
    return entry.locate(
        "version",
        message=f"this text is version {number}, but the catalogue is at "
        f"version {current}: export it again and edit that",
    )


def import_files(paths: Sequence[str | Path], *, only_new: bool = False) -> list[Saved]:
    """Import files all or nothing; ``CatalogueInvalid`` lists what is wrong.

    ``only_new`` leaves entries whose key is already stored as they are.
    """
    found = check(paths)
    if not found.ok:
        raise CatalogueInvalid(found.problems)
    if only_new:
        credential_keys = set(
            db.session.scalars(
                select(catalogue.Credential.key).where(
                    catalogue.Credential.scope == catalogue.TOOL_SCOPE
                )
            )
        )
        pathway_keys = set(db.session.scalars(select(PathwayRow.key)))
        found.credentials = [
            e for e in found.credentials if e.data["key"] not in credential_keys
        ]
        found.pathways = [
            e for e in found.pathways if e.data["key"] not in pathway_keys
        ]
    saved: list[Saved] = []
    try:
        for entry in found.credentials:
            version, outcome = catalogue.save(entry.data)
            key = entry.data["key"]
            saved.append(Saved("credential", key, version.number, outcome))
        for entry in found.pathways:
            pversion, outcome = catalogue.save_pathway(entry.data)
            saved.append(Saved("pathway", entry.data["key"], pversion.number, outcome))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    changed = [s for s in saved if s.outcome != catalogue.UNCHANGED]
    event("catalogue.imported", entries=len(saved), changed=len(changed))
    return saved


def import_example() -> list[Saved]:
    """Load the shipped examples that are not in the catalogue yet.

    ``init`` runs this on every ``make run``: an example an administrator
    has since edited must keep the edit, so stored keys are left alone.
    """
    return import_files([example_catalogue_dir()], only_new=True)


def _pathway_rows(keys: Iterable[str] | None) -> list[tuple[PathwayRow, Any]]:
    query = select(PathwayRow).where(PathwayRow.retired.is_(False))
    if keys is not None:
        query = query.where(PathwayRow.key.in_(list(keys)))
    rows = []
    for row in db.session.scalars(query.order_by(PathwayRow.key)):
        current = db.session.scalars(
            select(PathwayVersion).where(
                PathwayVersion.pathway_id == row.id,
                PathwayVersion.number == row.current_version,
            )
        ).one()
        rows.append((row, current))
    return rows


def export_document(keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The catalogue file for these credential and pathway keys (all: None).

    ``LookupError`` names keys that match neither a credential nor a pathway.
    """
    credentials = [
        row for row in catalogue.tool_credentials() if keys is None or row.key in keys
    ]
    pathways = _pathway_rows(keys)
    if keys is not None:
        found = {r.key for r in credentials} | {r.key for r, _ in pathways}
        missing = [k for k in keys if k not in found]
        if missing:
            raise LookupError("no credential or pathway " + ", ".join(missing))
    document: dict[str, Any] = {"pathmark_catalogue": FORMAT_VERSION}
    if credentials:
        document["credentials"] = [
            definition_to_dict(
                catalogue.definition(catalogue.current_of(row)), with_version=True
            )
            for row in credentials
        ]
    if pathways:
        document["pathways"] = [
            pathway_to_dict(
                pathway_from_dict(v.definition, version=v.number),
                with_version=True,
            )
            for _, v in pathways
        ]
    return document


def dump(document: dict[str, Any]) -> str:
    """YAML text for a catalogue document, in the order fields are written."""
    header = "# Pathmark catalogue, checked against catalogue_schema.json\n"
    body = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=80, indent=2
    )
    return header + body
