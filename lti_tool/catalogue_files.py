"""Catalogue files: YAML in, checked entries out, each problem with its line.

A catalogue file is a YAML mapping with ``pathmark_catalogue: 1`` and lists
of ``credentials`` and ``pathways`` (see ``catalogue_schema.json``). Reading
keeps the line of every key and list item, so a problem found at a path in
the data is reported as ``file:line: field: what is wrong``. PyYAML accepts
a key given twice in one mapping; Pathmark refuses it, since the second
value would silently win. Pure functions: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from lti_tool.catalogue_validation import (
    Path,
    Problem,
    credential_problems,
    pathway_problems,
    prerequisite_cycles,
    schema_problems,
)

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Located:
    """A problem with the file and line it was found at."""

    file: str
    line: int | None
    problem: Problem

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.problem}"


@dataclass
class Entry:
    """One credential or pathway read from a file, with where it came from."""

    kind: str  # "credential" or "pathway"
    data: dict[str, Any]
    file: str
    path: Path
    lines: _Lines

    @property
    def line(self) -> int | None:
        return self.lines.line(self.path)

    def locate(self, *rest: str | int, message: str) -> Located:
        """A problem at ``rest`` inside this entry, with its line."""
        path = self.path + rest
        return Located(self.file, self.lines.line(path), Problem(path, message))


@dataclass
class Catalogue:
    """Everything read from a set of files, and everything wrong with it."""

    credentials: list[Entry] = field(default_factory=list)
    pathways: list[Entry] = field(default_factory=list)
    problems: list[Located] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Lines:
    """The line of each path in a YAML document, and keys given twice."""

    def __init__(self, node: yaml.Node | None):
        self.lines: dict[Path, int] = {}
        self.duplicates: list[tuple[Path, int]] = []
        if node is not None:
            self.lines[()] = node.start_mark.line + 1
            self._walk(node, ())

    def _walk(self, node: yaml.Node, at: Path) -> None:
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                here = at + (key,)
                if key in seen:
                    self.duplicates.append((here, key_node.start_mark.line + 1))
                seen.add(key)
                self.lines.setdefault(here, key_node.start_mark.line + 1)
                self._walk(value_node, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.lines[at + (i,)] = item.start_mark.line + 1
                self._walk(item, at + (i,))

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


class _PlainLoader(yaml.SafeLoader):
    """Catalogue files are plain data: an alias (``*name``) is refused, since
    aliases can make a small file expand without bound or refer to itself."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed in catalogue files; "
                "write the value out",
                self.peek_event().start_mark,
            )
        return super().compose_node(parent, index)


def parse(text: str, name: str) -> tuple[Any, _Lines, list[Located]]:
    """YAML text to data, its line map and any syntax problems."""
    try:
        loader = _PlainLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problem = Problem((), f"not valid YAML: {reason}")
        return None, _Lines(None), [Located(name, line, problem)]
    lines = _Lines(node)
    problems = [
        Located(name, line, Problem(path, "this key is given twice"))
        for path, line in lines.duplicates
    ]
    if data is None:
        problems.append(Located(name, 1, Problem((), "the file is empty")))
    return data, lines, problems


def read_text(text: str, name: str, into: Catalogue | None = None) -> Catalogue:
    """Check one file's text and add its entries to ``into``."""
    found = into if into is not None else Catalogue()
    data, lines, problems = parse(text, name)
    found.problems.extend(problems)
    if data is None or problems:
        return found

    def locate(items: Iterable[Problem]) -> list[Located]:
        return [Located(name, lines.line(p.path), p) for p in items]

    shape = [
        p
        for p in schema_problems(data)
        if len(p.path) < 2 or p.path[0] not in ("credentials", "pathways")
    ]
    found.problems.extend(locate(shape))
    if shape:
        return found
    checks = {"credentials": credential_problems, "pathways": pathway_problems}
    for section, check in checks.items():
        for i, item in enumerate(data.get(section, ())):
            at = (section, i)
            wrong = check(item, at)
            found.problems.extend(locate(wrong))
            if not wrong:
                entry = Entry(section[:-1], item, name, at, lines)
                target = (
                    found.credentials if section == "credentials" else found.pathways
                )
                target.append(entry)
    return found


def files_in(paths: Sequence[str | FilePath]) -> list[FilePath]:
    """The catalogue files named: each file, and each folder's YAML files."""
    found: list[FilePath] = []
    for raw in paths:
        path = FilePath(raw)
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()
                )
            )
        else:
            found.append(path)
    return found


def read(
    paths: Sequence[str | FilePath], *, known_credentials: Iterable[str] = ()
) -> Catalogue:
    """Read and check files together; ``known_credentials`` are already stored.

    Cross-file rules: a key appears once in the whole set; a pathway names
    credentials from the set or the store; prerequisites exist and do not
    go round in a circle.
    """
    found = Catalogue()
    files = files_in(paths)
    if not files:
        found.problems.append(
            Located(", ".join(map(str, paths)), None, Problem((), "no YAML files"))
        )
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            found.problems.append(
                Located(str(path), None, Problem((), f"cannot read: {reason}"))
            )
            continue
        read_text(text, str(path), found)
    cross_check(found, set(known_credentials))
    return found


def _duplicates(entries: list[Entry], kind: str) -> list[Located]:
    first: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        key = entry.data["key"]
        if key in first:
            other = first[key]
            problems.append(
                entry.locate(
                    "key",
                    message=f"{kind} {key!r} is already defined at "
                    f"{other.file}:{other.line}",
                )
            )
        else:
            first[key] = entry
    return problems


def cross_check(found: Catalogue, known_credentials: set[str]) -> None:
    """Add the problems that need all files at once."""
    found.problems.extend(_duplicates(found.credentials, "credential"))
    found.problems.extend(_duplicates(found.pathways, "pathway"))
    credentials = known_credentials | {e.data["key"] for e in found.credentials}
    pathways = {e.data["key"]: e for e in found.pathways}

    for entry in found.pathways:
        data = entry.data
        for i, key in enumerate(data["credentials"]):
            if key not in credentials and key != data["key"]:
                found.problems.append(
                    entry.locate(
                        "credentials", i, message=f"no credential has the key {key!r}"
                    )
                )
        for i, key in enumerate(data.get("prerequisites", ())):
            if key not in credentials and key not in pathways:
                found.problems.append(
                    entry.locate(
                        "prerequisites",
                        i,
                        message=f"no credential or pathway has the key {key!r}",
                    )
                )
    graph = {k: list(e.data.get("prerequisites", ())) for k, e in pathways.items()}
    for cycle in prerequisite_cycles(graph):
        if len(cycle) <= 2:
            continue  # a pathway requiring itself is reported on its own
        entry = pathways[cycle[0]]
        found.problems.append(
            entry.locate(
                "prerequisites",
                message="prerequisites go round in a circle: " + " -> ".join(cycle),
            )
        )
    found.problems.sort(key=lambda p: (p.file, p.line or 0))
