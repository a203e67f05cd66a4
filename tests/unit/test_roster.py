"""NRPS roster: token request, paging by Link header, refusals."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import jwt
import pytest
import requests
from requests.adapters import BaseAdapter

from lti_tool.db import db
from lti_tool.models import Launch
from lti_tool.roster import NamesRoles, RosterUnavailable, next_link
from lti_tool.service_tokens import ServiceTokens
from lti_tool.vocab import Claim, ContextRole, Scope
from tests.platform_fake import ISSUER

MEMBERS_URL = f"{ISSUER}/api/lti/courses/1/names_and_roles"
TOKEN_URL = f"{ISSUER}/token"


class NrpsAdapter(BaseAdapter):
    """Answers the token URL and roster pages, recording what was asked."""

    def __init__(self, pages: dict[str, tuple[list, str | None]]):
        super().__init__()
        self.pages = pages
        self.requests: list[requests.PreparedRequest] = []
        self.token_status = 200

    def send(self, request, **kwargs):
        self.requests.append(request)
        response = requests.Response()
        response.request, response.url = request, request.url
        response.headers["Content-Type"] = "application/json"
        if request.url == TOKEN_URL:
            response.status_code = self.token_status
            body = {"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600}
        elif request.url in self.pages:
            members, link = self.pages[request.url]
            if request.headers.get("Authorization") != "Bearer tok-1":
                response.status_code, body = 401, {}
            else:
                response.status_code = 200
                body = {"id": request.url, "members": members}
                if link:
                    response.headers["Link"] = link
        else:
            response.status_code, body = 404, {}
        response._content = json.dumps(body).encode()
        return response

    def close(self):
        pass


def member(n: int, role=ContextRole.LEARNER.value) -> dict:
    return {"user_id": f"u{n}", "name": f"Person {n}", "roles": [role]}


@pytest.fixture
def staff_launch(app, client, platform):
    nrps = {
        "context_memberships_url": MEMBERS_URL,
        "service_versions": ["2.0"],
    }
    response, _, _ = platform.launch(
        client,
        **{Claim.ROLES: [ContextRole.INSTRUCTOR.value], Claim.NRPS: nrps},
    )
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalars(db.select(Launch)).one().id


def roster(app, adapter) -> NamesRoles:
    svc = app.extensions["pathmark"]
    svc.http.mount(ISSUER, adapter)
    return NamesRoles(svc.http, ServiceTokens(svc.http, svc.keyring, timeout=5).get)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://a.example/r?p=2>; rel="next"', "https://a.example/r?p=2"),
        ("<https://a.example/r?p=2>;rel=next", "https://a.example/r?p=2"),
        (
            '<https://a.example/r?p=9>; rel="last", <?p=2>; REL="Next"',
            "https://a.example/r?p=2",
        ),
        ('<https://a.example/r?p=2>; rel="first next"', "https://a.example/r?p=2"),
        ('<https://a.example/r?p=1>; rel="prev"', None),
        ("", None),
    ],
)
def test_next_link_however_written(header, expected):
    assert next_link(header, "https://a.example/r?p=1") == expected


def test_roster_follows_every_page_with_one_token(app, staff_launch):
    adapter = NrpsAdapter(
        {
            MEMBERS_URL: (
                [member(1), member(2)],
                f'<{MEMBERS_URL}?page=2>; rel="next"',
            ),
            f"{MEMBERS_URL}?page=2": (
                [member(3, ContextRole.INSTRUCTOR.value)],
                '<names_and_roles?page=3>;rel=next, <x?page=1>; rel="first"',
            ),
            f"{MEMBERS_URL}?page=3": ([member(4)], None),
        }
    )
    with app.app_context():
        launch = db.session.get(Launch, staff_launch)
        members = roster(app, adapter).members(launch)
    assert [m.user_id for m in members] == ["u1", "u2", "u3", "u4"]
    assert [m.course_role.value for m in members][2] == "staff"
    token_calls = [r for r in adapter.requests if r.url == TOKEN_URL]
    assert len(token_calls) == 1
    form = parse_qs(token_calls[0].body)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == [Scope.NRPS_READONLY.value]
    with app.app_context():
        public = app.extensions["pathmark"].keyring.jwks()["keys"][0]
    key = jwt.PyJWK(public).key
    claims = jwt.decode(
        form["client_assertion"][0], key, algorithms=["RS256"], audience=TOKEN_URL
    )
    assert claims["iss"] == claims["sub"] == "pathmark-client"
    pages = [r for r in adapter.requests if r.url != TOKEN_URL]
    assert all("membershipcontainer" in r.headers["Accept"] for r in pages)


def test_next_link_to_another_origin_is_not_followed(app, staff_launch):
    adapter = NrpsAdapter(
        {MEMBERS_URL: ([member(1)], '<https://evil.example/steal>; rel="next"')}
    )
    with app.app_context():
        launch = db.session.get(Launch, staff_launch)
        members = roster(app, adapter).members(launch)
    assert [m.user_id for m in members] == ["u1"]
    assert all("evil" not in r.url for r in adapter.requests)


def test_a_page_linking_to_itself_stops(app, staff_launch):
    adapter = NrpsAdapter({MEMBERS_URL: ([member(1)], f"<{MEMBERS_URL}>; rel=next")})
    with app.app_context():
        launch = db.session.get(Launch, staff_launch)
        assert len(roster(app, adapter).members(launch)) == 1


def test_launch_without_nrps_claim_says_roster_unavailable(app, client, platform):
    platform.launch(client, **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]})
    with app.app_context():
        launch = db.session.scalars(db.select(Launch)).one()
        with pytest.raises(RosterUnavailable, match="did not offer"):
            roster(app, NrpsAdapter({})).members(launch)


def test_refused_token_says_what_to_ask(app, staff_launch):
    adapter = NrpsAdapter({MEMBERS_URL: ([member(1)], None)})
    adapter.token_status = 400
    with app.app_context():
        launch = db.session.get(Launch, staff_launch)
        with pytest.raises(RosterUnavailable, match="refused Pathmark a token"):
            roster(app, adapter).members(launch)


def test_refused_page_is_reported(app, staff_launch):
    adapter = NrpsAdapter({})
    with app.app_context():
        launch = db.session.get(Launch, staff_launch)
        with pytest.raises(RosterUnavailable, match="HTTP 404"):
            roster(app, adapter).members(launch)
