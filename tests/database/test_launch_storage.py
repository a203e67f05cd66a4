"""Launches against a real database: the whole flow, and races between workers."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy import event

from lti_tool.db import db
from lti_tool.models import Launch, LoginState, PlatformKeySet
from lti_tool.vocab import Claim, ContextRole

RACE_TIMEOUT = 20


def test_full_launch_through_the_test_client(client, platform, app):
    response, _, _ = platform.launch(
        client, **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert 'data-view="staff"' in page.get_data(as_text=True)
    with app.app_context():
        launch = db.session.scalars(sa.select(Launch)).one()
        assert launch.course.title == "English A2"
        assert launch.claims[Claim.CONTEXT]["id"] == "course-1"
        assert db.session.scalars(sa.select(LoginState)).one().used_at is not None


def _post_together(app, requests: list[dict[str, str]], gate_sql: str) -> list:
    """Post launches from threads that all pass validation, then race.

    Each thread waits at a barrier just before running a statement that
    starts with ``gate_sql``, so every request has read the shared rows
    before any of them writes.
    """
    barrier = threading.Barrier(len(requests), timeout=RACE_TIMEOUT)
    waited: set[int] = set()

    def gate(conn, cursor, statement, parameters, context, executemany):
        ident = threading.get_ident()
        if statement.lstrip().upper().startswith(gate_sql) and ident not in waited:
            waited.add(ident)
            barrier.wait()

    results: list = [None] * len(requests)

    def post(i: int, data: dict[str, str]) -> None:
        results[i] = app.test_client().post("/lti/launch", data=data)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", gate)
    try:
        threads = [
            threading.Thread(target=post, args=(i, data))
            for i, data in enumerate(requests)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(RACE_TIMEOUT)
    finally:
        event.remove(engine, "before_cursor_execute", gate)
    assert len(waited) == len(requests), "the requests did not race"
    return results


def test_login_state_is_used_once_under_concurrency(client, platform, app):
    platform.launch(client)  # the key set is fetched and cached first
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    data = {"id_token": token, "state": auth["state"]}

    # The cookie binds the state to this browser; both copies carry it.
    cookie = client.get_cookie(f"pathmark_state_{auth['state']}", path="/lti/launch")
    assert cookie is not None

    results = _post_together_with_cookie(app, [data, data], cookie)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [303, 403]
    loser = next(r for r in results if r.status_code == 403)
    assert "replayed_state" in loser.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Launch.id))) == 2


def _post_together_with_cookie(app, requests, cookie):
    original = app.test_client

    def client_with_cookie():
        fresh = original()
        fresh.set_cookie(
            cookie.key, cookie.value, domain=cookie.domain, path=cookie.path
        )
        return fresh

    app.test_client = client_with_cookie
    try:
        return _post_together(app, requests, "UPDATE LOGIN_STATE")
    finally:
        app.test_client = original


def test_first_key_set_fetch_by_two_workers_at_once(client, platform, app):
    logins = [platform.login(client) for _ in range(2)]
    requests = [
        {
            "id_token": platform.sign(platform.claims(auth["nonce"])),
            "state": auth["state"],
        }
        for auth in logins
    ]
    cookies = [
        client.get_cookie(f"pathmark_state_{auth['state']}", path="/lti/launch")
        for auth in logins
    ]
    original = app.test_client

    def client_with_cookies():
        fresh = original()
        for cookie in cookies:
            fresh.set_cookie(
                cookie.key, cookie.value, domain=cookie.domain, path=cookie.path
            )
        return fresh

    app.test_client = client_with_cookies
    try:
        results = _post_together(app, requests, "INSERT INTO PLATFORM_KEY_SET")
    finally:
        app.test_client = original
    assert [r.status_code for r in results] == [303, 303]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PlatformKeySet.url))) == 1
