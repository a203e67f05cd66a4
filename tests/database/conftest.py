"""Every test in this folder runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings, database_url):
    return {**settings, "database_url": database_url}
