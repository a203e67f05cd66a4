"""Every test in this folder runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture
def settings(settings, database_url):
    # Grade peers in these tests listen on loopback, which production
    # settings refuse.
    return {
        **settings,
        "database_url": database_url,
        "registration_allowed_networks": "127.0.0.0/8",
    }
