"""What a launch reads and writes: one lookup, and only new or changed rows."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from lti_tool.db import db, utcnow
from lti_tool.models import (
    Course,
    Launch,
    LoginState,
    Membership,
    Person,
    PlatformKeySet,
    ResourceLink,
)
from lti_tool.vocab import Claim
from tests.platform_fake import JWKS_URL, SigningKey


@contextmanager
def statements(app):
    """Collect the first words of every SQL statement run inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        size = 3 if words[0].upper() in {"INSERT", "SELECT"} else 2
        seen.append(" ".join(words[:size]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split()[0].upper() in {"INSERT", "UPDATE"}]


def count(app, model) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(model)).all())


def test_repeat_launch_writes_only_the_state_and_the_launch(client, platform, app):
    platform.launch(client)
    with statements(app) as seen:
        response, _, _ = platform.launch(client)
    assert response.status_code == 303
    assert writes(seen) == [
        "INSERT INTO login_state",
        "UPDATE login_state",
        "INSERT INTO launch",
    ]
    # The registration, state, deployment and key set come in one query.
    assert not [s for s in seen if "platform_key_set" in s or "deployment" in s]
    assert count(app, Launch) == 2


def test_first_launch_writes_every_row(client, platform, app):
    with statements(app) as seen:
        response, _, _ = platform.launch(client)
    assert response.status_code == 303
    assert [w for w in writes(seen) if w.startswith("INSERT")] == [
        "INSERT INTO login_state",
        "INSERT INTO platform_key_set",
        "INSERT INTO person",
        "INSERT INTO course",
        "INSERT INTO membership",
        "INSERT INTO resource_link",
        "INSERT INTO launch",
    ]


def test_changed_titles_and_line_item_are_written(client, platform, app):
    platform.launch(client)
    response, _, _ = platform.launch(
        client,
        **{
            Claim.CONTEXT: {"id": "course-1", "title": "English B1", "label": "EN"},
            Claim.RESOURCE_LINK: {"id": "link-1", "title": "Tell a story"},
            Claim.AGS_ENDPOINT: {"lineitem": "https://lms.example.edu/li/7"},
        },
    )
    assert response.status_code == 303
    with app.app_context():
        course = db.session.scalars(db.select(Course)).one()
        link = db.session.scalars(db.select(ResourceLink)).one()
        assert course.title == "English B1"
        assert link.title == "Tell a story"
        assert link.lineitem_url == "https://lms.example.edu/li/7"
        assert link.course_id == course.id


def test_a_launch_without_line_item_keeps_the_stored_one(client, platform, app):
    ags = {"lineitem": "https://lms.example.edu/li/7"}
    platform.launch(client, **{Claim.AGS_ENDPOINT: ags})
    with statements(app) as seen:
        platform.launch(client)
    assert "INSERT INTO resource_link" not in writes(seen)
    with app.app_context():
        link = db.session.scalars(db.select(ResourceLink)).one()
        assert link.lineitem_url == ags["lineitem"]


def test_known_person_in_a_new_course_gets_a_membership(client, platform, app):
    platform.launch(client)
    with statements(app) as seen:
        platform.launch(
            client,
            **{
                Claim.CONTEXT: {"id": "course-2", "title": "German A1"},
                Claim.RESOURCE_LINK: {"id": "link-2", "title": "Greetings"},
            },
        )
    assert "INSERT INTO person" not in writes(seen)
    assert count(app, Person) == 1
    assert count(app, Course) == 2
    with app.app_context():
        courses = {
            m.course.context_id for m in db.session.scalars(db.select(Membership))
        }
    assert courses == {"course-1", "course-2"}


def test_a_changed_email_alone_is_written(client, platform, app):
    platform.launch(client)
    with statements(app) as seen:
        platform.launch(client, email="ana.l@example.edu")
    assert "INSERT INTO person" in writes(seen)
    assert "INSERT INTO membership" not in writes(seen)
    with app.app_context():
        assert db.session.scalars(db.select(Person)).one().email == (
            "ana.l@example.edu"
        )


def test_key_set_refreshed_by_another_worker_is_used(client, platform, app):
    """This worker parsed the old key set; another stored a newer one."""
    platform.launch(client)
    old = platform.key
    rotated = SigningKey()
    platform.published = [rotated]
    with app.app_context():
        row = db.session.get(PlatformKeySet, JWKS_URL)
        row.keys = {"keys": [rotated.jwk()]}
        row.fetched_at = utcnow()
        db.session.commit()
    calls = len(platform.jwks_calls)

    response, _, _ = platform.launch(client, key=rotated)
    assert response.status_code == 303
    assert len(platform.jwks_calls) == calls  # read from the database
    # The old key has left the platform's set: this worker no longer takes it.
    response, _, _ = platform.launch(client, key=old)
    assert response.status_code == 401


def test_withheld_cookie_leaves_the_state_unused(client, platform, app):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    client.delete_cookie(f"pathmark_state_{auth['state']}", path="/lti/launch")
    response = client.post(
        "/lti/launch", data={"id_token": token, "state": auth["state"]}
    )
    assert response.status_code == 200
    assert "pathmark_new_window" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LoginState, auth["state"]).used_at is None
    assert count(app, Launch) == 0


def test_platform_storage_launch_is_confirmed_once(client, platform, app):
    login = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "user-1",
            "lti_storage_target": "_parent",
        },
    )
    auth = dict(
        re.findall(r"[?&;](state|nonce)=([\w-]+)", login.get_data(as_text=True))
    )
    token = platform.sign(platform.claims(auth["nonce"]))
    client.delete_cookie(f"pathmark_state_{auth['state']}", path="/lti/launch")
    page = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert page.status_code == 200
    launch_id = re.search(
        r'name="launch_id" value="([^"]+)"', page.get_data(as_text=True)
    )
    assert launch_id, page.get_data(as_text=True)
    form = {"launch_id": launch_id.group(1), "value": auth["nonce"]}

    confirmed = client.post("/lti/launch/confirm", data=form)
    assert confirmed.status_code == 303
    assert "lt=" in confirmed.headers["Location"]
    again = client.post("/lti/launch/confirm", data=form)
    assert again.status_code == 403
    with app.app_context():
        assert db.session.get(Launch, launch_id.group(1)).pending_state is None
