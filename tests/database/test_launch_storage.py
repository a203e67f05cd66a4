"""Launches against a real database: the whole flow, and races between workers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lti_tool.db import db
from lti_tool.models import (
    Course,
    Launch,
    LoginState,
    Membership,
    PlatformKeySet,
    ResourceLink,
)
from lti_tool.vocab import Claim, ContextRole
from tests.database.races import post_together, state_cookie


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


def test_login_state_is_used_once_under_concurrency(client, platform, app):
    platform.launch(client)  # the key set is fetched and cached first
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    data = {"id_token": token, "state": auth["state"]}

    # Both requests carry the same state, nonce and cookie; both have
    # validated them before either marks the state used.
    results = post_together(
        app,
        "/lti/launch",
        [data, data],
        "UPDATE LOGIN_STATE",
        cookies=[state_cookie(client, auth["state"])],
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [303, 403]
    loser = next(r for r in results if r.status_code == 403)
    assert "replayed_state" in loser.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Launch.id))) == 2


def test_first_key_set_fetch_by_two_workers_at_once(client, platform, app):
    logins = [platform.login(client) for _ in range(2)]
    forms = [
        {
            "id_token": platform.sign(platform.claims(auth["nonce"])),
            "state": auth["state"],
        }
        for auth in logins
    ]
    cookies = [state_cookie(client, auth["state"]) for auth in logins]
    results = post_together(
        app, "/lti/launch", forms, "INSERT INTO PLATFORM_KEY_SET", cookies=cookies
    )
    assert [r.status_code for r in results] == [303, 303]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PlatformKeySet.url))) == 1


# On SQLite writers queue from the login state update to the commit, so the
# second launch cannot reach the course insert before the first commits:
# this race exists on PostgreSQL only.
@pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_two_people_open_a_new_course_at_once(client, platform, app):
    platform.launch(
        client,
        **{Claim.CONTEXT: {"id": "warm-up"}, Claim.RESOURCE_LINK: {"id": "warm"}},
    )
    logins = [platform.login(client) for _ in range(2)]
    forms = [
        {
            "id_token": platform.sign(platform.claims(auth["nonce"], sub=f"p{i}")),
            "state": auth["state"],
        }
        for i, auth in enumerate(logins)
    ]
    cookies = [state_cookie(client, auth["state"]) for auth in logins]
    results = post_together(
        app, "/lti/launch", forms, "INSERT INTO COURSE", cookies=cookies
    )
    assert [r.status_code for r in results] == [303, 303]
    with app.app_context():
        course = db.session.scalars(
            sa.select(Course).where(Course.context_id == "course-1")
        ).one()
        members = db.session.scalars(
            sa.select(Membership).where(Membership.course_id == course.id)
        ).all()
        assert len(members) == 2
        links = db.session.scalars(
            sa.select(ResourceLink).where(ResourceLink.link_id == "link-1")
        ).all()
        assert len(links) == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u" * 256},
        {Claim.CONTEXT: {"id": "c" * 256, "title": "Long"}},
        {Claim.RESOURCE_LINK: {"id": "l" * 256}},
        {Claim.RESOURCE_LINK: {"id": 42}},
        {Claim.CONTEXT: {"id": ["course-1"]}},
    ],
)
def test_an_id_longer_than_lti_allows_or_not_text_is_refused(
    client, platform, app, claims
):
    # LTI caps sub, context id and resource link id at 255 characters, and
    # they are strings; the columns hold that much, on PostgreSQL too.
    response, _, _ = platform.launch(client, **claims)
    assert response.status_code == 400
    assert "missing_claims" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Launch)).first() is None


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"lti_storage_target": "f" * 300}, 302),
        ({"target_link_uri": "http://localhost/lti/launch?" + "x" * 2100}, 400),
    ],
)
def test_an_oversized_login_parameter_never_breaks_the_login(
    client, platform, extra, status
):
    # Unsigned and from anyone: a storage frame name too long to be real is
    # ignored (the launch goes on as if none was offered), a target too long
    # to keep is refused.
    params = {"iss": platform.issuer, "login_hint": "u", **extra}
    response = client.get("/lti/login", query_string=params)
    assert response.status_code == status


def test_an_oversized_deployment_is_refused_not_recorded(client, platform, app):
    policy = app.extensions["pathmark"].policy
    app.extensions["pathmark"].policy = type(policy)(
        leeway=policy.leeway,
        state_max_age=policy.state_max_age,
        unknown_deployment="pending",
    )
    response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "d" * 256})
    assert response.status_code == 403
    assert "unknown_deployment" in response.get_data(as_text=True)
