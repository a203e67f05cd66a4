"""Credential definitions as plain data, and back.

``definition_from_dict`` and ``definition_to_dict`` turn a definition into
the plain data stored in the database and written to catalogue files; the
two are inverse for every valid definition. Pathways likewise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lti_tool.credentials import (
    EQF_NOT_REFERENCED,
    Alignment,
    CredentialDefinition,
    Criterion,
    EuElements,
    EvidenceRequirements,
    FeedbackScript,
    Level,
    MasteryRule,
    Milestone,
    ModerationPolicy,
    Pathway,
    Rubric,
)


def _opt(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    value = data.get(name, default)
    return default if value is None else value


def _level(data: Mapping[str, Any]) -> tuple[Level, FeedbackScript | None]:
    level = Level(
        number=int(data["level"]),
        label=data["label"],
        descriptor=data["descriptor"],
        points=float(data["points"]),
    )
    script = data.get("feedback")
    if script is None:
        return level, None
    return level, FeedbackScript(
        strength=script["strength"],
        next_step=script["next_step"],
        practice=script["practice"],
    )


def _criterion(data: Mapping[str, Any]) -> Criterion:
    levels, feedback = [], {}
    for item in data["levels"]:
        level, script = _level(item)
        levels.append(level)
        if script is not None:
            feedback[level.number] = script
    return Criterion(
        id=data["id"], title=data["title"], levels=tuple(levels), feedback=feedback
    )


def evidence_from_dict(data: Mapping[str, Any]) -> EvidenceRequirements:
    defaults = EvidenceRequirements(kinds=())
    return EvidenceRequirements(
        kinds=tuple(data["kinds"]),
        media_types=tuple(_opt(data, "media_types", ())),
        max_bytes=int(_opt(data, "max_bytes", defaults.max_bytes)),
        min_seconds=data.get("min_seconds"),
        max_seconds=data.get("max_seconds"),
        min_words=data.get("min_words"),
        max_words=data.get("max_words"),
        prompt=_opt(data, "prompt", ""),
        reveal_prompt_on_record=bool(_opt(data, "reveal_prompt_on_record", False)),
        takes=int(_opt(data, "takes", 1)),
        resubmission=bool(_opt(data, "resubmission", True)),
    )


def mastery_from_dict(data: Mapping[str, Any]) -> MasteryRule:
    min_total = data.get("min_total")
    return MasteryRule(
        kind=data["kind"],
        level=int(data["level"]),
        min_total=None if min_total is None else float(min_total),
        floor_level=data.get("floor_level"),
    )


def eu_from_dict(data: Mapping[str, Any]) -> EuElements:
    ects = data.get("ects")
    return EuElements(
        learning_outcomes=tuple(_opt(data, "learning_outcomes", ())),
        workload_hours=float(_opt(data, "workload_hours", 0.0)),
        ects=None if ects is None else float(ects),
        eqf_level=_opt(data, "eqf_level", EQF_NOT_REFERENCED),
        assessment_type=_opt(data, "assessment_type", ""),
        participation=_opt(data, "participation", "online"),
        quality_assurance=_opt(data, "quality_assurance", ""),
        prerequisites=tuple(_opt(data, "prerequisites", ())),
        supervision=_opt(data, "supervision", "unsupervised"),
    )


def definition_from_dict(
    data: Mapping[str, Any], version: int | None = None
) -> CredentialDefinition:
    """A definition from plain data already checked by the catalogue schema."""
    moderation = data.get("moderation") or {"mode": "none"}
    return CredentialDefinition(
        key=data["key"],
        version=int(version if version is not None else _opt(data, "version", 1)),
        title=data["title"],
        outcome=data["outcome"],
        skill=data["skill"],
        level=data["level"],
        alignments=tuple(
            Alignment(
                framework=a["framework"],
                code=a["code"],
                name=a["name"],
                url=_opt(a, "url", ""),
                level=_opt(a, "level", ""),
            )
            for a in _opt(data, "alignments", ())
        ),
        evidence=evidence_from_dict(data["evidence"]),
        rubric=Rubric(tuple(_criterion(c) for c in data["rubric"]["criteria"])),
        mastery=mastery_from_dict(data["mastery"]),
        moderation=ModerationPolicy(
            mode=moderation["mode"],
            sample_share=float(_opt(moderation, "sample_share", 0.0)),
            allow_self_verification=bool(
                _opt(moderation, "allow_self_verification", False)
            ),
        ),
        expiry_days=data.get("expiry_days"),
        eu=eu_from_dict(_opt(data, "eu", {})),
        description=_opt(data, "description", ""),
        criteria_narrative=_opt(data, "criteria_narrative", ""),
    )


def _number(value: float) -> int | float:
    """Whole numbers as ``int``, so files read ``points: 3`` not ``3.0``."""
    return int(value) if float(value).is_integer() else value


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _criterion_to_dict(criterion: Criterion) -> dict[str, Any]:
    levels = []
    for level in criterion.levels:
        item: dict[str, Any] = {
            "level": level.number,
            "label": level.label,
            "descriptor": level.descriptor,
            "points": _number(level.points),
        }
        script = criterion.feedback.get(level.number)
        if script is not None:
            item["feedback"] = {
                "strength": script.strength,
                "next_step": script.next_step,
                "practice": script.practice,
            }
        levels.append(item)
    return {"id": criterion.id, "title": criterion.title, "levels": levels}


def definition_to_dict(
    definition: CredentialDefinition, with_version: bool = False
) -> dict[str, Any]:
    """Plain data for a definition, in the catalogue file's field order."""
    ev, rule, mod, eu = (
        definition.evidence,
        definition.mastery,
        definition.moderation,
        definition.eu,
    )
    data: dict[str, Any] = {"key": definition.key}
    if with_version:
        data["version"] = definition.version
    data |= {
        "title": definition.title,
        "outcome": definition.outcome,
        "description": definition.description,
        "skill": definition.skill,
        "level": definition.level,
        "alignments": [
            {
                "framework": a.framework,
                "code": a.code,
                "name": a.name,
                "url": a.url,
                "level": a.level,
            }
            for a in definition.alignments
        ],
        "evidence": _drop_none(
            {
                "kinds": list(ev.kinds),
                "media_types": list(ev.media_types),
                "max_bytes": ev.max_bytes,
                "min_seconds": ev.min_seconds,
                "max_seconds": ev.max_seconds,
                "min_words": ev.min_words,
                "max_words": ev.max_words,
                "prompt": ev.prompt,
                "reveal_prompt_on_record": ev.reveal_prompt_on_record,
                "takes": ev.takes,
                "resubmission": ev.resubmission,
            }
        ),
        "rubric": {
            "criteria": [_criterion_to_dict(c) for c in definition.rubric.criteria]
        },
        "mastery": _drop_none(
            {
                "kind": rule.kind,
                "level": rule.level,
                "min_total": None
                if rule.min_total is None
                else _number(rule.min_total),
                "floor_level": rule.floor_level,
            }
        ),
        "moderation": {
            "mode": mod.mode,
            "sample_share": _number(mod.sample_share),
            "allow_self_verification": mod.allow_self_verification,
        },
        "expiry_days": definition.expiry_days,
        "criteria_narrative": definition.criteria_narrative,
        "eu": _drop_none(
            {
                "learning_outcomes": list(eu.learning_outcomes),
                "workload_hours": _number(eu.workload_hours),
                "ects": None if eu.ects is None else _number(eu.ects),
                "eqf_level": eu.eqf_level,
                "assessment_type": eu.assessment_type,
                "participation": eu.participation,
                "quality_assurance": eu.quality_assurance,
                "prerequisites": list(eu.prerequisites),
                "supervision": eu.supervision,
            }
        ),
    }
    return data


def pathway_from_dict(data: Mapping[str, Any], version: int | None = None) -> Pathway:
    return Pathway(
        key=data["key"],
        version=int(version if version is not None else _opt(data, "version", 1)),
        title=data["title"],
        description=_opt(data, "description", ""),
        credentials=tuple(data["credentials"]),
        required=data.get("required"),
        ordered=bool(_opt(data, "ordered", False)),
        prerequisites=tuple(_opt(data, "prerequisites", ())),
        milestones=tuple(
            Milestone(
                id=m["id"],
                title=m["title"],
                credentials=tuple(m["credentials"]),
                required=m.get("required"),
            )
            for m in _opt(data, "milestones", ())
        ),
        level=_opt(data, "level", ""),
        criteria_narrative=_opt(data, "criteria_narrative", ""),
    )


def pathway_to_dict(pathway: Pathway, with_version: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"key": pathway.key}
    if with_version:
        data["version"] = pathway.version
    data |= {
        "title": pathway.title,
        "description": pathway.description,
        "level": pathway.level,
        "credentials": list(pathway.credentials),
        "required": pathway.required,
        "ordered": pathway.ordered,
        "prerequisites": list(pathway.prerequisites),
        "milestones": [
            _drop_none(
                {
                    "id": m.id,
                    "title": m.title,
                    "credentials": list(m.credentials),
                    "required": m.required,
                }
            )
            for m in pathway.milestones
        ],
        "criteria_narrative": pathway.criteria_narrative,
    }
    return _drop_none(data)
