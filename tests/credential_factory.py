"""Credential definitions for tests: valid plain data, changed per test."""

from __future__ import annotations

import copy
from typing import Any

LABELS = ("Not yet", "Developing", "Secure", "Strong")


def criterion_data(cid: str, title: str, levels: int = 4) -> dict[str, Any]:
    return {
        "id": cid,
        "title": title,
        "levels": [
            {
                "level": n,
                "label": LABELS[n - 1],
                "descriptor": f"{title} at step {n}.",
                "points": n,
                "feedback": {
                    "strength": f"You showed {title.lower()} at step {n}.",
                    "next_step": f"Aim for step {min(n + 1, levels)} next time.",
                    "practice": "Record it once more.",
                },
            }
            for n in range(1, levels + 1)
        ],
    }


BASE: dict[str, Any] = {
    "key": "tell-what-happened",
    "title": "Tell me what happened",
    "outcome": "Narrates a past event in a clear order, with feelings.",
    "description": "A short spoken story.",
    "skill": "Spoken production",
    "level": "B1",
    "alignments": [
        {
            "framework": "CEFR",
            "code": "sustained-monologue-experience",
            "name": "Sustained monologue: describing experience",
            "url": (
                "https://www.coe.int/en/web/"
                "common-european-framework-reference-languages"
            ),
            "level": "B1",
        }
    ],
    "evidence": {
        "kinds": ["recording", "upload"],
        "media_types": ["audio/webm", "audio/mpeg", "video/mp4"],
        "max_bytes": 50_000_000,
        "min_seconds": 90,
        "max_seconds": 150,
        "prompt": "Tell us about a day that did not go to plan.",
        "reveal_prompt_on_record": True,
        "takes": 2,
        "resubmission": True,
    },
    "rubric": {
        "criteria": [
            criterion_data("coherence", "Coherence"),
            criterion_data("range", "Range"),
            criterion_data("fluency", "Fluency"),
            criterion_data("intelligibility", "Intelligibility"),
        ]
    },
    "mastery": {"kind": "all_at_least", "level": 3},
    "moderation": {
        "mode": "every_mastery",
        "sample_share": 0,
        "allow_self_verification": False,
    },
    "expiry_days": None,
    "criteria_narrative": "Every criterion at Secure or above.",
    "eu": {
        "learning_outcomes": ["Narrates a past event in sequence."],
        "workload_hours": 3,
        "eqf_level": "not referenced",
        "assessment_type": "Recorded performance task, rubric-scored, moderated",
        "participation": "online",
        "quality_assurance": "Every mastery decision verified by a second tutor",
        "prerequisites": [],
        "supervision": "unsupervised",
    },
}


def definition_data(**changes: Any) -> dict[str, Any]:
    """A valid credential's data; top-level fields replaced by ``changes``."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data
