"""The set-up guides stay true to the code: every refusal is explained with
the title people see, and every screenshot exists, is referenced and small."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from lti_tool import admin_tickets
from lti_tool.refusals import ADVICE, Reason

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDES = ("setup-moodle.md", "setup-canvas.md", "troubleshooting.md")
ENTRY_CODES = (
    "expired",
    "used",
    "invalid",
    "launch_gone",
    "not_admin",
    "bootstrap_invalid",
    "bootstrap_used",
    "bootstrap_expired",
    "admin_exists",
)


def troubleshooting() -> str:
    return (DOCS / "troubleshooting.md").read_text()


@pytest.mark.parametrize("reason", list(Reason))
def test_every_launch_refusal_is_explained(reason):
    advice = ADVICE[reason]
    row = next(
        (
            line
            for line in troubleshooting().splitlines()
            if line.startswith(f"| `{reason.value}` ")
        ),
        None,
    )
    assert row is not None, f"{reason.value} has no row in troubleshooting.md"
    assert f"({advice.status})" in row
    assert f"*{advice.title}*" in row


@pytest.mark.parametrize("why", ENTRY_CODES)
def test_every_admin_entry_refusal_is_explained(why):
    refused = admin_tickets.refusal(why)
    rows = [
        line
        for line in troubleshooting().splitlines()
        if f"`{why}`" in line and line.startswith("|")
    ]
    assert rows, f"{why} has no row in troubleshooting.md"
    assert any(refused.title in row and str(refused.status) in row for row in rows)


def test_screenshots_exist_are_referenced_and_small():
    referenced = set()
    for guide in GUIDES:
        referenced |= set(
            re.findall(r"\(img/([\w.-]+\.png)\)", (DOCS / guide).read_text())
        )
    on_disk = {p.name for p in (DOCS / "img").glob("*.png")}
    assert referenced <= on_disk, referenced - on_disk
    assert on_disk <= referenced, on_disk - referenced
    total = 0
    for name in on_disk:
        path = DOCS / "img" / name
        with Image.open(path) as image:
            assert image.width <= 1024
        total += path.stat().st_size
    assert total < 2 * 1024 * 1024


def _registration_steps() -> set[str]:
    """Every step a registration can stop at, read from the code."""
    package = Path(__file__).resolve().parents[2] / "lti_tool"
    steps: set[str] = set()
    for name in ("dynamic_registration.py", "setup_pages.py"):
        source = (package / name).read_text()
        steps.update(re.findall(r'RegistrationFailed\(\s*"(\w+)"', source))
    return steps


def test_every_registration_stop_is_explained():
    steps = _registration_steps()
    assert {"disabled", "rate", "address", "platform", "store"} <= steps
    text = troubleshooting()
    for step in sorted(steps):
        assert f"`registration_{step}`" in text, step
