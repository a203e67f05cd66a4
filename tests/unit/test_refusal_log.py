"""Refusals kept for the admin's list stay bounded, whoever causes them."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool import errors
from lti_tool.db import db
from lti_tool.models import LaunchRefusal


def test_refusals_are_trimmed_to_the_newest(app, monkeypatch):
    monkeypatch.setattr(errors, "KEEP_REFUSALS", 5)
    monkeypatch.setattr(errors, "PRUNE_EVERY", 10)
    client = app.test_client()
    for _ in range(25):
        assert client.post("/lti/launch", data={}).status_code == 400
    with app.app_context():
        count = db.session.scalar(select(func.count(LaunchRefusal.id)))
        oldest = db.session.scalar(select(func.min(LaunchRefusal.id)))
    # Trimmed at the 20th to ids 16-20; the five since are all kept.
    assert (count, oldest) == (10, 16)
