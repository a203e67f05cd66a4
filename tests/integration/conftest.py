"""Fixtures: Pathmark under gunicorn (two workers) and the strict sandbox LMS."""

from __future__ import annotations

import pytest

from tests.integration.lms_client import LmsUser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.http)


@pytest.fixture
def learner(stack) -> LmsUser:
    return LmsUser(stack.sandbox_url, "learner")


@pytest.fixture
def teacher(stack) -> LmsUser:
    return LmsUser(stack.sandbox_url, "teacher")


@pytest.fixture
def link_id(stack) -> str:
    """A fresh graded link in the sandbox course, with no credential yet."""
    link = stack.lms.add_link(
        "Sandbox activity", line_item={"scoreMaximum": 10, "label": "Sandbox"}
    )
    return link.link_id
