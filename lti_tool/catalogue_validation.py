"""Checking catalogue data: the published JSON Schema, then the rules it cannot say.

The schema (``catalogue_schema.json``, shipped in the package) fixes the
shape: fields, types, allowed values, 3 or 4 levels. The checks here need
arithmetic or cross-references: levels numbered 1..n with rising points, a
rubric maximum above 0, a mastery rule some assessment can satisfy, unique
criterion ids. Each problem names the place by its path in the data, so a
file reader can add a line number and a form can put the message next to
its field. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from lti_tool import mastery
from lti_tool.credential_codec import definition_from_dict

Path = tuple[str | int, ...]
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at ``path`` inside the data."""

    path: Path
    message: str

    @property
    def field(self) -> str:
        """The dotted path, e.g. ``credentials.0.rubric.criteria.1.title``."""
        return ".".join(str(p) for p in self.path)

    def __str__(self) -> str:
        return f"{self.field or '(top)'}: {self.message}"


@cache
def schema() -> dict[str, Any]:
    """The catalogue file schema Pathmark publishes."""
    text = resources.files("lti_tool").joinpath("catalogue_schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


@cache
def _validator(definition: str | None = None) -> Draft202012Validator:
    full = schema()
    if definition is None:
        return Draft202012Validator(full)
    # One part of the schema (e.g. a single credential), refs still resolved.
    part = {"$defs": full["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(part)


_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    type(None): "empty",
}


_SCHEMA_TYPES = {
    "integer": "a whole number",
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _explain(error: ValidationError) -> list[Problem]:
    """Schema errors in words a catalogue author understands."""
    path: Path = tuple(error.absolute_path)
    value, rule = error.instance, error.validator_value
    match error.validator:
        case "required":
            missing = [n for n in rule if n not in value]
            return [Problem(path + (n,), "this field is required") for n in missing]
        case "additionalProperties":
            known = set(error.schema.get("properties", {}))
            extra = sorted(k for k in value if k not in known)
            allowed = ", ".join(sorted(known))
            return [
                Problem(path + (k,), f"unknown field (allowed here: {allowed})")
                for k in extra
            ]
        case "type":
            wanted = rule if isinstance(rule, list) else [rule]
            words = " or ".join(_SCHEMA_TYPES.get(w, w) for w in wanted)
            return [Problem(path, f"must be {words}, not {_kind(value)}")]
        case "enum":
            return [Problem(path, "must be one of: " + ", ".join(map(str, rule)))]
        case "const":
            return [Problem(path, f"must be {rule!r}")]
        case "minItems":
            return [Problem(path, f"needs at least {rule} item(s)")]
        case "maxItems":
            return [Problem(path, f"allows at most {rule} item(s)")]
        case "uniqueItems":
            return [Problem(path, "lists the same value twice")]
        case "anyOf" if not path:
            return [Problem(path, "a catalogue file needs credentials or pathways")]
        case "anyOf":
            return [Problem(path, "must be empty or an http(s) address")]
        case "pattern" if rule.startswith("^[a-z0-9]"):
            return [Problem(path, "use lower-case letters, digits and hyphens only")]
        case "pattern" | "minLength" if rule in ("\\S", 1):
            return [Problem(path, "must not be empty")]
        case "minimum":
            return [Problem(path, f"must be at least {rule}")]
        case "exclusiveMinimum":
            return [Problem(path, f"must be above {rule}")]
        case "maximum":
            return [Problem(path, f"must be at most {rule}")]
        case "maxLength":
            return [Problem(path, f"must be at most {rule} characters")]
    return [Problem(path, error.message)]


def schema_problems(data: Any, definition: str | None = None) -> list[Problem]:
    """Everything the schema refuses, in document order."""
    problems: list[Problem] = []
    for error in _validator(definition).iter_errors(data):
        problems.extend(_explain(error))
    return sorted(set(problems), key=lambda p: [str(x) for x in p.path])


def _levels(criterion: Mapping[str, Any], at: Path) -> list[Problem]:
    levels = criterion["levels"]
    numbers = [lv["level"] for lv in levels]
    expected = list(range(1, len(levels) + 1))
    if numbers != expected:
        shown = ", ".join(map(str, expected))
        return [Problem(at + ("levels",), f"levels must be numbered {shown} in order")]
    problems = []
    for i in range(1, len(levels)):
        if levels[i]["points"] <= levels[i - 1]["points"]:
            problems.append(
                Problem(
                    at + ("levels", i, "points"),
                    f"level {i + 1} must be worth more points than level {i}",
                )
            )
    return problems


def credential_problems(data: Mapping[str, Any], at: Path = ()) -> list[Problem]:
    """What is wrong with one credential's data: schema first, then rules."""
    problems = [
        Problem(at + p.path, p.message)
        for p in schema_problems(data, definition="credential")
    ]
    if problems:
        return problems

    rubric_at = at + ("rubric", "criteria")
    criteria = data["rubric"]["criteria"]
    if sum(max(lv["points"] for lv in c["levels"]) for c in criteria) <= 0:
        return [
            Problem(at + ("rubric",), "the rubric maximum is 0: give levels points")
        ]
    seen: dict[str, int] = {}
    for i, criterion in enumerate(data["rubric"]["criteria"]):
        if criterion["id"] in seen:
            problems.append(
                Problem(
                    rubric_at + (i, "id"),
                    f"criterion id {criterion['id']!r} is already used by "
                    f"criterion {seen[criterion['id']] + 1}",
                )
            )
        seen.setdefault(criterion["id"], i)
        problems.extend(_levels(criterion, rubric_at + (i,)))
    if problems:
        return problems

    definition = definition_from_dict(data)
    problems.extend(_mastery(data["mastery"], definition, at + ("mastery",)))
    problems.extend(_evidence(data["evidence"], at + ("evidence",)))
    return problems


def _mastery(rule_data, definition, at: Path) -> list[Problem]:
    rule = definition.mastery
    if rule.kind == "all_at_least":
        extra = [n for n in ("min_total", "floor_level") if n in rule_data]
        if extra:
            return [
                Problem(at + (n,), "only rules of kind total_at_least use this")
                for n in extra
            ]
    reason = mastery.satisfiable(definition.rubric, rule)
    if reason is None and rule.level > min(
        c.top.number for c in definition.rubric.criteria
    ):
        reason = f"level {rule.level} is above the top level of some criterion"
    if reason is not None:
        return [Problem(at, f"no assessment can reach mastery: {reason}")]
    return []


def _evidence(data: Mapping[str, Any], at: Path) -> list[Problem]:
    problems = []
    for low, high in (("min_seconds", "max_seconds"), ("min_words", "max_words")):
        low_value, high_value = data.get(low), data.get(high)
        if low_value is not None and high_value is not None and low_value > high_value:
            problems.append(Problem(at + (low,), f"is above {high}"))
    return problems


def pathway_problems(data: Mapping[str, Any], at: Path = ()) -> list[Problem]:
    """What is wrong with one pathway's data taken on its own.

    Whether the credentials it names exist needs the whole catalogue:
    ``catalogue_files.cross_check`` does that.
    """
    problems = [
        Problem(at + p.path, p.message)
        for p in schema_problems(data, definition="pathway")
    ]
    if problems:
        return problems
    keys = data["credentials"]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            problems.append(
                Problem(at + ("credentials", i), f"{key!r} is listed twice")
            )
        if key == data["key"]:
            problems.append(
                Problem(at + ("credentials", i), "a pathway cannot contain itself")
            )
    required = data.get("required")
    if required is not None and required > len(keys):
        problems.append(
            Problem(
                at + ("required",),
                f"asks for {required} of only {len(keys)} credentials",
            )
        )
    for i, key in enumerate(data.get("prerequisites", ())):
        if key == data["key"]:
            problems.append(
                Problem(at + ("prerequisites", i), "a pathway cannot require itself")
            )
    for i, milestone in enumerate(data.get("milestones", ())):
        m_at = at + ("milestones", i)
        for j, key in enumerate(milestone["credentials"]):
            if key not in keys:
                problems.append(
                    Problem(
                        m_at + ("credentials", j),
                        f"{key!r} is not one of this pathway's credentials",
                    )
                )
        need = milestone.get("required")
        if need is not None and need > len(milestone["credentials"]):
            problems.append(
                Problem(m_at + ("required",), "asks for more credentials than it lists")
            )
    return problems


def prerequisite_cycles(pathways: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Chains of pathway prerequisites that lead back to where they started."""
    cycles, done = [], set()

    def visit(key: str, trail: list[str]) -> None:
        if key in trail:
            cycles.append(trail[trail.index(key) :] + [key])
            return
        if key in done or key not in pathways:
            return
        for nxt in pathways[key]:
            visit(nxt, trail + [key])
        done.add(key)

    for key in pathways:
        visit(key, [])
    unique, seen = [], set()
    for cycle in cycles:
        marker = frozenset(cycle)
        if marker not in seen:
            seen.add(marker)
            unique.append(cycle)
    return unique
