"""Requests from several threads that pass validation, then race to write."""

from __future__ import annotations

import threading

from sqlalchemy import event

from lti_tool.db import db

RACE_TIMEOUT = 20


def post_together(
    app, path: str, forms: list[dict[str, str]], gate_sql: str, cookies=()
) -> list:
    """POST each form to ``path`` from its own thread; see :func:`race`."""
    return race(app, [(path, form) for form in forms], gate_sql, cookies)


def race(
    app, posts: list[tuple[str, dict[str, str]]], gate_sql: str, cookies=()
) -> list:
    """POST each ``(path, form)`` from its own thread and client; return the
    responses in order.

    Each thread waits at a barrier just before running a statement that
    starts with ``gate_sql``, so every request has read the shared rows
    before any of them writes. ``cookies`` are set on every client (the
    state cookies a browser would hold).
    """
    barrier = threading.Barrier(len(posts), timeout=RACE_TIMEOUT)
    waited: set[int] = set()

    def gate(conn, cursor, statement, parameters, context, executemany):
        ident = threading.get_ident()
        if statement.lstrip().upper().startswith(gate_sql) and ident not in waited:
            waited.add(ident)
            barrier.wait()

    results: list = [None] * len(posts)

    def post(i: int) -> None:
        path, data = posts[i]
        client = app.test_client()
        for cookie in cookies:
            client.set_cookie(
                cookie.key, cookie.value, domain=cookie.domain, path=cookie.path
            )
        results[i] = client.post(path, data=data)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", gate)
    try:
        threads = [threading.Thread(target=post, args=(i,)) for i in range(len(posts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(RACE_TIMEOUT)
    finally:
        event.remove(engine, "before_cursor_execute", gate)
    assert len(waited) == len(posts), "the requests did not race"
    return results


def state_cookie(client, state: str):
    """The cookie binding a login state to the browser that started it."""
    cookie = client.get_cookie(f"pathmark_state_{state}", path="/lti/launch")
    assert cookie is not None
    return cookie
