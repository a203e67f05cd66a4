"""The sandbox's token endpoint, AGS and NRPS are strict where a real LMS is.

``lti1p3platform`` alone accepts a wrong ``aud``, a replayed ``jti`` and any
score body; the sandbox must not, or Pathmark's grade sync would be tested
against a peer that never says no. Client assertions are signed with
Pathmark's own key, read from its keys folder, as Pathmark would sign them.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import requests

from lti_tool.keys import KeyRing
from lti_tool.vocab import Scope

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


@pytest.fixture
def assertion(stack):
    ring = KeyRing(Path(stack.env["PATHMARK_KEYS_DIR"]))

    def make(**changes):
        now = int(time.time())
        claims = {
            "iss": stack.lms.client_id,
            "sub": stack.lms.client_id,
            "aud": stack.sandbox_url + "/token",
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
            **changes,
        }
        return ring.sign({k: v for k, v in claims.items() if v is not None})

    return make


def ask_token(stack, assertion: str, *scopes: str) -> requests.Response:
    return requests.post(
        stack.sandbox_url + "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
            "scope": " ".join(scopes or [Scope.SCORE.value, Scope.LINEITEM.value]),
        },
    )


@pytest.fixture
def bearer(stack, assertion):
    def make(*scopes: str) -> dict[str, str]:
        response = ask_token(stack, assertion(), *scopes)
        assert response.status_code == 200, response.text
        return {"Authorization": "Bearer " + response.json()["access_token"]}

    return make


def test_token_for_a_valid_assertion(stack, assertion):
    response = ask_token(stack, assertion())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert set(body["scope"].split()) == {Scope.SCORE.value, Scope.LINEITEM.value}


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"aud": "http://127.0.0.1:1/token"}, 401, "invalid_client"),
        ({"aud": None}, 401, "invalid_client"),
        ({"iss": "someone-else"}, 401, "invalid_client"),
        ({"sub": "someone-else"}, 401, "invalid_client"),
        ({"jti": None}, 401, "invalid_client"),
        ({"exp": int(time.time()) - 120}, 401, "invalid_client"),
    ],
)
def test_token_refused_for_a_bad_assertion(stack, assertion, changes, status, error):
    response = ask_token(stack, assertion(**changes))
    assert response.status_code == status
    assert response.json()["error"] == error


def test_token_refused_for_a_trailing_slash_in_aud(stack, assertion):
    response = ask_token(stack, assertion(aud=stack.sandbox_url + "/token/"))
    assert response.status_code == 401


def test_a_replayed_jti_is_refused(stack, assertion):
    once = assertion()
    assert ask_token(stack, once).status_code == 200
    again = ask_token(stack, once)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_ungranted_scope_is_refused(stack, assertion):
    response = ask_token(stack, assertion(), Scope.SCORE.value, "https://evil/scope")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_assertion_signed_by_an_unknown_key_is_refused(stack, tmp_path):
    stranger = KeyRing(tmp_path / "keys")
    stranger.ensure()
    now = int(time.time())
    forged = stranger.sign(
        {
            "iss": stack.lms.client_id,
            "sub": stack.lms.client_id,
            "aud": stack.sandbox_url + "/token",
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
    )
    assert ask_token(stack, forged).status_code == 401


@pytest.fixture
def lineitem(stack) -> str:
    link = stack.lms.add_link("Scored", line_item={"scoreMaximum": 16, "label": "S"})
    return f"{stack.sandbox_url}/api/lineitems/{link.lineitem_id}"


def score(**changes):
    body = {
        "userId": "sb-learner-1",
        "timestamp": "2026-03-01T10:15:30.123+00:00",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "scoreGiven": 12,
        "scoreMaximum": 16,
        "comment": "Clear order, good feeling words.",
        **changes,
    }
    return json.dumps({k: v for k, v in body.items() if v is not None})


def post_score(url, headers, body, media_type=SCORE_TYPE):
    return requests.post(
        url + "/scores", data=body, headers={**headers, "Content-Type": media_type}
    )


def test_score_reaches_the_gradebook(stack, bearer, lineitem):
    headers = bearer(Scope.SCORE.value)
    assert post_score(lineitem, headers, score()).status_code == 201
    page = requests.get(stack.sandbox_url + "/gradebook").text
    assert "12 / 16" in page and "Clear order, good feeling words." in page
    later = score(timestamp="2026-03-01T10:16:00.000+00:00", scoreGiven=14)
    assert post_score(lineitem, headers, later).status_code == 200
    assert post_score(lineitem, headers, score()).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        score(userId=None),
        score(timestamp=None),
        score(timestamp="2026-03-01T10:15:30"),
        score(timestamp="yesterday"),
        score(activityProgress="Done"),
        score(gradingProgress=None),
        score(scoreMaximum=None),
        score(scoreMaximum=0),
        score(scoreGiven=-1),
        score(scoreGiven="12"),
        score(userId="sb-teacher-1"),
        score(userId="not-enrolled"),
        "[]",
        "not json",
    ],
)
def test_invalid_score_bodies_are_refused(stack, bearer, lineitem, body):
    response = post_score(lineitem, bearer(Scope.SCORE.value), body)
    assert response.status_code == 400, response.text


def test_score_needs_the_score_media_type(stack, bearer, lineitem):
    response = post_score(
        lineitem, bearer(Scope.SCORE.value), score(), "application/json"
    )
    assert response.status_code == 400


def test_services_need_a_token_with_their_scope(stack, bearer, lineitem):
    assert post_score(lineitem, {}, score()).status_code == 401
    wrong = {"Authorization": "Bearer not-a-token"}
    assert post_score(lineitem, wrong, score()).status_code == 401
    read_only = bearer(Scope.LINEITEM_READONLY.value)
    assert post_score(lineitem, read_only, score()).status_code == 403
    members = stack.sandbox_url + "/api/memberships"
    assert requests.get(members, headers=read_only).status_code == 403


def test_line_items_can_be_listed_and_created(stack, bearer):
    headers = bearer(Scope.LINEITEM.value)
    url = stack.sandbox_url + "/api/lineitems"
    created = requests.post(
        url,
        data=json.dumps({"label": "Extra", "scoreMaximum": 5, "tag": "x"}),
        headers={**headers, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"},
    )
    assert created.status_code == 201
    listed = requests.get(url, headers=headers, params={"tag": "x"})
    assert listed.headers["Content-Type"].startswith(
        "application/vnd.ims.lis.v2.lineitemcontainer+json"
    )
    assert [i["label"] for i in listed.json()] == ["Extra"]
    refused = requests.post(
        url,
        data=json.dumps({"label": "Bad", "scoreMaximum": 0}),
        headers={**headers, "Content-Type": "application/vnd.ims.lis.v2.lineitem+json"},
    )
    assert refused.status_code == 400


def test_roster_is_paged_with_link_headers(stack, bearer):
    headers = bearer(Scope.NRPS_READONLY.value)
    url = stack.sandbox_url + "/api/memberships"
    first = requests.get(url, headers=headers, params={"limit": 2})
    assert first.status_code == 200
    assert 'rel="next"' in first.headers["Link"] or "rel=next" in first.headers["Link"]
    people = [m["user_id"] for m in first.json()["members"]]
    page, pages = first, 1
    while "next" in page.links:
        page = requests.get(page.links["next"]["url"], headers=headers)
        people += [m["user_id"] for m in page.json()["members"]]
        pages += 1
    assert pages == -(-len(stack.lms.people) // 2)
    assert sorted(people) == sorted(stack.lms.people)


def test_bad_paging_parameters_read_as_none(stack, bearer):
    headers = bearer(Scope.NRPS_READONLY.value)
    url = stack.sandbox_url + "/api/memberships"
    response = requests.get(url, headers=headers, params={"limit": "x", "page": "-1"})
    assert response.status_code == 200
    assert len(response.json()["members"]) == len(stack.lms.people)
