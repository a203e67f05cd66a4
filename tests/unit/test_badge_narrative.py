"""The signed criteria narrative reads as sentences: one full stop each."""

from __future__ import annotations

from lti_tool.badges.ob3 import _sentence


def test_a_sentence_gets_exactly_one_full_stop():
    assert _sentence("Level: CEFR B1; EQF not referenced") == (
        "Level: CEFR B1; EQF not referenced."
    )
    assert _sentence("Share an opinion.") == "Share an opinion."
    assert _sentence("  Ready?  ") == "Ready?"
