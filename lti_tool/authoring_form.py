"""The credential authoring form: flat form values to catalogue data and back.

Every input is named by the path of its field in the catalogue data
(``rubric.criteria.0.levels.2.descriptor``), so a problem the validator
reports at a path lands next to the input of that name. Values are kept
exactly as typed, so a page re-rendered after a validation error loses
nothing. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lti_tool.catalogue_validation import Problem, credential_problems
from lti_tool.credentials import EQF_NOT_REFERENCED

LABELS = ("Not yet", "Developing", "Secure", "Strong")
LEVEL_SLOTS = 4
MAX_CRITERIA = 12
MEGABYTE = 1_000_000
TEXT_FIELDS = ("key", "title", "outcome", "description", "skill", "level")
CHECKBOXES = (
    "evidence.reveal_prompt_on_record",
    "evidence.resubmission",
    "moderation.allow_self_verification",
)
FEEDBACK = ("strength", "next_step", "practice")


def criterion_slots(values: Mapping[str, Any]) -> int:
    """How many criterion rows the form shows: those in use and one spare."""
    used = [
        int(m.group(1))
        for name in values
        if (m := re.match(r"rubric\.criteria\.(\d+)\.", name)) and values[name]
    ]
    return min(MAX_CRITERIA, max(used, default=-1) + 2)


def blank_values() -> dict[str, Any]:
    """A new credential: four criteria on the common four-step scale."""
    values: dict[str, Any] = {
        "alignments.0.framework": "CEFR",
        "evidence.kinds": ["recording", "upload"],
        "evidence.media_types": "audio/webm, audio/mpeg, video/webm, video/mp4",
        "evidence.max_bytes": "100",
        "evidence.takes": "1",
        "evidence.resubmission": "on",
        "mastery.kind": "all_at_least",
        "mastery.level": "3",
        "moderation.mode": "every_mastery",
        "moderation.sample_share": "0",
        "eu.eqf_level": EQF_NOT_REFERENCED,
        "eu.participation": "online",
        "eu.supervision": "unsupervised",
    }
    for i in range(4):
        for n, label in enumerate(LABELS, start=1):
            base = f"rubric.criteria.{i}.levels.{n - 1}"
            values[f"{base}.label"] = label
            values[f"{base}.points"] = str(n)
    return values


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def values_from_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Form values for stored catalogue data."""
    values: dict[str, Any] = {name: _show(data.get(name)) for name in TEXT_FIELDS}
    for i, alignment in enumerate(data.get("alignments", ())[:1]):
        for name, value in alignment.items():
            values[f"alignments.{i}.{name}"] = _show(value)
    ev = data.get("evidence", {})
    values["evidence.kinds"] = list(ev.get("kinds", ()))
    values["evidence.media_types"] = ", ".join(ev.get("media_types", ()))
    if ev.get("max_bytes") is not None:
        values["evidence.max_bytes"] = _show(ev["max_bytes"] / MEGABYTE)
    for name in ("min_seconds", "max_seconds", "min_words", "max_words", "takes"):
        values[f"evidence.{name}"] = _show(ev.get(name))
    values["evidence.prompt"] = ev.get("prompt", "")
    for i, criterion in enumerate(data.get("rubric", {}).get("criteria", ())):
        base = f"rubric.criteria.{i}"
        values[f"{base}.id"] = criterion["id"]
        values[f"{base}.title"] = criterion["title"]
        for j, level in enumerate(criterion["levels"]):
            at = f"{base}.levels.{j}"
            values[f"{at}.label"] = level["label"]
            values[f"{at}.descriptor"] = level["descriptor"]
            values[f"{at}.points"] = _show(level["points"])
            for name in FEEDBACK:
                values[f"{at}.feedback.{name}"] = level.get("feedback", {}).get(
                    name, ""
                )
    for name, value in data.get("mastery", {}).items():
        values[f"mastery.{name}"] = _show(value)
    moderation = data.get("moderation", {"mode": "none"})
    values["moderation.mode"] = moderation["mode"]
    values["moderation.sample_share"] = _show(moderation.get("sample_share", 0))
    values["expiry_days"] = _show(data.get("expiry_days"))
    values["criteria_narrative"] = data.get("criteria_narrative", "")
    eu = data.get("eu", {})
    for name in ("learning_outcomes", "prerequisites"):
        values[f"eu.{name}"] = "\n".join(eu.get(name, ()))
    for name in ("workload_hours", "ects", "eqf_level", "assessment_type"):
        values[f"eu.{name}"] = _show(eu.get(name))
    for name in ("participation", "quality_assurance", "supervision"):
        values[f"eu.{name}"] = _show(eu.get(name))
    for name in CHECKBOXES:
        group, field = name.split(".")
        source = ev if group == "evidence" else moderation
        default = field == "resubmission"
        values[name] = "on" if source.get(field, default) else ""
    return values


class _Reader:
    """Reads typed values out of form text, noting what cannot be read."""

    def __init__(self, values: Mapping[str, Any]):
        self.values = values
        self.problems: list[Problem] = []

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def number(self, name: str, whole: bool = True) -> int | float | None:
        raw = self.text(name).replace(",", ".") if not whole else self.text(name)
        if not raw:
            return None
        try:
            return int(raw) if whole else float(raw)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            self.problems.append(Problem(_path(name), f"must be {kind}"))
            return None

    def flag(self, name: str) -> bool:
        return bool(self.text(name))

    def lines(self, name: str) -> list[str]:
        return [line.strip() for line in self.text(name).splitlines() if line.strip()]


def _path(name: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in name.split("."))


def _put(target: dict[str, Any], name: str, value: Any) -> None:
    if value is not None and value != "":
        target[name] = value


def _level(read: _Reader, at: str, number: int) -> dict[str, Any] | None:
    names = ["label", "descriptor", "points"] + [f"feedback.{f}" for f in FEEDBACK]
    if not any(read.text(f"{at}.{n}") for n in names if n != "label"):
        return None
    level: dict[str, Any] = {"level": number}
    level["label"] = read.text(f"{at}.label")
    level["descriptor"] = read.text(f"{at}.descriptor")
    _put(level, "points", read.number(f"{at}.points", whole=False))
    script = {f: read.text(f"{at}.feedback.{f}") for f in FEEDBACK}
    if any(script.values()):
        level["feedback"] = script
    return level


def data_from_values(
    values: Mapping[str, Any],
) -> tuple[dict[str, Any], list[Problem], dict[tuple, tuple]]:
    """Catalogue data from form values, the values that could not be read,
    and how data positions map back to form rows (criteria and levels
    left empty are skipped, so later ones move up in the data)."""
    read = _Reader(values)
    # Empty text stays in, so the message is "must not be empty".
    data: dict[str, Any] = {name: read.text(name) for name in TEXT_FIELDS}

    alignment = {
        name: read.text(f"alignments.0.{name}")
        for name in ("framework", "code", "name", "url", "level")
    }
    if any(alignment[n] for n in ("code", "name", "url")):
        data["alignments"] = [alignment]

    kinds = values.get("evidence.kinds", [])
    evidence: dict[str, Any] = {
        "kinds": [kinds] if isinstance(kinds, str) else list(kinds),
        "media_types": [
            t for t in re.split(r"[\s,]+", read.text("evidence.media_types")) if t
        ],
        "prompt": read.text("evidence.prompt"),
        "reveal_prompt_on_record": read.flag("evidence.reveal_prompt_on_record"),
        "resubmission": read.flag("evidence.resubmission"),
    }
    megabytes = read.number("evidence.max_bytes", whole=False)
    if megabytes is not None:
        evidence["max_bytes"] = max(1, round(megabytes * MEGABYTE))
    for name in ("min_seconds", "max_seconds", "min_words", "max_words", "takes"):
        _put(evidence, name, read.number(f"evidence.{name}"))
    data["evidence"] = evidence

    criteria, slots = [], {}
    for i in range(criterion_slots(values)):
        base = f"rubric.criteria.{i}"
        levels, level_slots = [], {}
        for j in range(LEVEL_SLOTS):
            level = _level(read, f"{base}.levels.{j}", len(levels) + 1)
            if level is not None:
                level_slots[len(levels)] = j
                levels.append(level)
        head = {"id": read.text(f"{base}.id"), "title": read.text(f"{base}.title")}
        if not levels and not any(head.values()):
            continue
        slots[("rubric", "criteria", len(criteria))] = ("rubric", "criteria", i)
        for index, slot in level_slots.items():
            slots[("rubric", "criteria", len(criteria), "levels", index)] = (
                "rubric",
                "criteria",
                i,
                "levels",
                slot,
            )
        criterion = {**head, "levels": levels}
        criteria.append(criterion)
    data["rubric"] = {"criteria": criteria}

    rule: dict[str, Any] = {"kind": read.text("mastery.kind")}
    _put(rule, "level", read.number("mastery.level"))
    if rule["kind"] == "total_at_least":
        _put(rule, "min_total", read.number("mastery.min_total", whole=False))
        _put(rule, "floor_level", read.number("mastery.floor_level"))
    data["mastery"] = rule
    data["moderation"] = {
        "mode": read.text("moderation.mode"),
        "sample_share": read.number("moderation.sample_share", whole=False) or 0,
        "allow_self_verification": read.flag("moderation.allow_self_verification"),
    }
    data["expiry_days"] = read.number("expiry_days")
    data["criteria_narrative"] = read.text("criteria_narrative")

    eu: dict[str, Any] = {
        "learning_outcomes": read.lines("eu.learning_outcomes"),
        "prerequisites": read.lines("eu.prerequisites"),
    }
    _put(eu, "workload_hours", read.number("eu.workload_hours", whole=False))
    _put(eu, "ects", read.number("eu.ects", whole=False))
    for name in ("eqf_level", "assessment_type", "participation"):
        _put(eu, name, read.text(f"eu.{name}"))
    for name in ("quality_assurance", "supervision"):
        _put(eu, name, read.text(f"eu.{name}"))
    data["eu"] = eu
    return data, read.problems, slots


def form_field(path: tuple, slots: Mapping[tuple, tuple]) -> str:
    """The form input a data path belongs to, after skipped rows."""
    for end in range(len(path), 0, -1):
        if path[:end] in slots:
            path = slots[path[:end]] + path[end:]
            break
    return ".".join(str(p) for p in path)


def check(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Data from form values and every problem, keyed by form input name."""
    data, unreadable, slots = data_from_values(values)
    errors: dict[str, list[str]] = {}
    for problem in unreadable:
        errors.setdefault(problem.field, []).append(problem.message)
    for problem in credential_problems(data):
        name = form_field(problem.path, slots)
        if name not in errors:
            errors.setdefault(name, []).append(problem.message)
    return data, errors


def draft_panel(values: Mapping[str, Any]) -> dict[str, str]:
    """The learner-facing text as typed, shown in the live preview while
    other fields still need work, so it follows typing from the first key."""

    def text(name: str) -> str:
        return str(values.get(name, "")).strip()

    meta = " · ".join(v for v in (text("skill"), text("level")) if v)
    hidden = bool(text("evidence.reveal_prompt_on_record"))
    return {
        "title": text("title"),
        "outcome": text("outcome"),
        "meta": meta,
        "prompt": "" if hidden else text("evidence.prompt"),
    }
