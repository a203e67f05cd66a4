"""A link's custom parameters reach only versions its course may use."""

from __future__ import annotations

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.models import Course, Registration
from tests.credential_factory import definition_data


def courses(count: int) -> list[int]:
    registration = Registration(
        issuer="https://lms.example.edu",
        client_id="client-1",
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url="https://lms.example.edu/token",
        key_set_url="https://lms.example.edu/jwks",
    )
    db.session.add(registration)
    db.session.flush()
    rows = [
        Course(registration_id=registration.id, context_id=f"c{n}")
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return [row.id for row in rows]


def test_a_link_names_tool_wide_or_its_own_course_copies_only(app):
    with app.app_context():
        mine, other = courses(2)
        tool, _ = catalogue.save(definition_data(key="order-a-meal"))
        copy, _ = catalogue.save(
            definition_data(key="order-a-meal", title="Our copy"), course_id=mine
        )
        db.session.commit()
        key = "order-a-meal"
        assert catalogue.placed_version(key, str(tool.id), other) == tool.id
        assert catalogue.placed_version(key, str(tool.id), None) == tool.id
        assert catalogue.placed_version(key, str(copy.id), mine) == copy.id
        # Another course (or no course) naming the copy's id gets nothing.
        assert catalogue.placed_version(key, str(copy.id), other) is None
        assert catalogue.placed_version(key, str(copy.id), None) is None
        assert catalogue.placed_version("other-key", str(tool.id), 1) is None
