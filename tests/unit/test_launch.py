"""Login and launch through the Flask test client, one refusal at a time."""

from __future__ import annotations

import time

import pytest

from lti_tool.db import db
from lti_tool.models import Launch, LaunchRefusal, Membership, Person
from lti_tool.vocab import Claim, ContextRole
from tests.platform_fake import CLIENT_ID, DEPLOYMENT_ID, SigningKey


def refusal_reasons(app) -> list[str]:
    with app.app_context():
        return [r.reason for r in db.session.scalars(db.select(LaunchRefusal))]


def test_learner_launch_opens_learner_page(client, platform, app):
    response, _, _ = platform.launch(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-view="learner"' in html
    assert "Ana Łukasiewicz" in html
    assert "English A2" in html
    with app.app_context():
        launch = db.session.scalars(db.select(Launch)).one()
        assert launch.course_role == "learner"
        assert launch.person.sub == "user-1"


def test_instructor_launch_opens_staff_page(client, platform):
    response, _, _ = platform.launch(
        client, **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]}
    )
    page = client.get(response.headers["Location"])
    assert 'data-view="staff"' in page.get_data(as_text=True)


def test_names_are_escaped(client, platform):
    hostile = "<script>alert(1)</script> Олена"
    response, _, _ = platform.launch(client, name=hostile)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Олена" in html


def test_second_launch_updates_person_and_membership(client, platform, app):
    platform.launch(client)
    platform.launch(
        client, name="Ana Ł.", **{Claim.ROLES: [ContextRole.INSTRUCTOR.value]}
    )
    with app.app_context():
        person = db.session.scalars(db.select(Person)).one()
        membership = db.session.scalars(db.select(Membership)).one()
        assert person.name == "Ana Ł."
        assert membership.course_role == "staff"


def _from_now(seconds: int):
    """A time claim read when the test runs, not when the suite is collected."""
    return lambda: int(time.time()) + seconds


@pytest.mark.parametrize(
    ("overrides", "reason", "status"),
    [
        ({"aud": "someone-else"}, "unknown_registration", 404),
        ({"iss": "https://other.example"}, "unknown_registration", 404),
        ({"exp": _from_now(-120)}, "token_expired", 401),
        (
            {"iat": _from_now(600), "exp": _from_now(900)},
            "token_not_yet_valid",
            401,
        ),
        ({"nonce": "not-the-login-nonce"}, "nonce_mismatch", 403),
        ({Claim.DEPLOYMENT_ID: "unknown-dep"}, "unknown_deployment", 403),
        (
            {Claim.MESSAGE_TYPE: "LtiSubmissionReviewRequest"},
            "unsupported_message",
            400,
        ),
        ({Claim.VERSION: "1.1"}, "missing_claims", 400),
    ],
)
def test_bad_launch_is_refused(client, platform, app, overrides, reason, status):
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    response, _, _ = platform.launch(client, **overrides)
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)
    assert refusal_reasons(app) == [reason]


def test_missing_resource_link_claim_is_refused(client, platform):
    response, _, _ = platform.launch(client, drop=[Claim.RESOURCE_LINK])
    assert response.status_code == 400
    assert "missing_claims" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "claim", [Claim.RESOURCE_LINK, Claim.CONTEXT, Claim.DL_SETTINGS]
)
def test_a_claim_that_is_not_an_object_is_refused(client, platform, app, claim):
    # Signed by the platform, yet malformed: a page saying so, not a 500.
    overrides = {claim: "link-1"}
    if claim == Claim.DL_SETTINGS:
        overrides[Claim.MESSAGE_TYPE] = "LtiDeepLinkingRequest"
    response, _, _ = platform.launch(client, **overrides)
    assert response.status_code == 400
    assert "is not a JSON object" in response.get_data(as_text=True)
    assert refusal_reasons(app) == ["missing_claims"]


@pytest.mark.parametrize("aud", [CLIENT_ID, [CLIENT_ID]])
def test_an_azp_naming_another_client_is_refused(client, platform, app, aud):
    response, _, _ = platform.launch(client, aud=aud, azp="another-tool")
    assert response.status_code == 401
    assert refusal_reasons(app) == ["bad_audience"]


def test_an_azp_naming_pathmark_is_accepted(client, platform):
    response, _, _ = platform.launch(
        client, aud=[CLIENT_ID, "another-tool"], azp=CLIENT_ID
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("claims", "said"),
    [({"sub": 5}, "Subject must be a string"), ({"iat": "soon"}, "Issued At")],
)
def test_a_malformed_claim_is_not_called_a_bad_signature(
    client, platform, app, claims, said
):
    response, _, _ = platform.launch(client, **claims)
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)
    assert refusal_reasons(app) == ["missing_claims"]


def test_small_clock_skew_is_tolerated(client, platform):
    now = int(time.time())
    response, _, _ = platform.launch(client, iat=now + 30, nbf=now + 30)
    assert response.status_code == 303


def test_forged_signature_is_refused(client, platform):
    forger = SigningKey(kid=platform.key.kid)
    response, _, _ = platform.launch(client, key=forger)
    assert response.status_code == 401
    assert "bad_signature" in response.get_data(as_text=True)


def test_unknown_kid_triggers_one_refetch(client, platform):
    platform.launch(client)
    assert len(platform.jwks_calls) == 1
    rotated = SigningKey()
    platform.published.append(rotated)
    response, _, _ = platform.launch(client, key=rotated)
    assert response.status_code == 303
    assert len(platform.jwks_calls) == 2


def test_unknown_kid_refetch_is_rate_limited(client, platform, app):
    app.extensions["pathmark"].platform_keys.refetch_interval = app.extensions[
        "pathmark"
    ].platform_keys.max_age
    platform.launch(client)
    stranger = SigningKey()
    for _ in range(3):
        response, _, _ = platform.launch(client, key=stranger)
        assert response.status_code == 401
    # The first unknown kid forces one refetch; the next ones wait.
    assert len(platform.jwks_calls) == 2


def test_jwks_down_is_a_clear_refusal(client, platform):
    platform.jwks_status = 503
    response, _, _ = platform.launch(client)
    assert response.status_code == 401
    assert "jwks_unavailable" in response.get_data(as_text=True)


def test_replayed_launch_is_refused(client, platform):
    first, auth, token = platform.launch(client)
    assert first.status_code == 303
    again = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert again.status_code == 403
    assert "replayed_state" in again.get_data(as_text=True)


def test_id_token_with_another_state_is_refused(client, platform):
    _, _, token = platform.launch(client)
    fresh = platform.login(client)
    response = client.post(
        "/lti/launch", data={"id_token": token, "state": fresh["state"]}
    )
    assert response.status_code == 403
    assert "nonce_mismatch" in response.get_data(as_text=True)


def test_unknown_state_is_refused(client, platform):
    auth = platform.login(client)
    token = platform.sign(platform.claims(auth["nonce"]))
    response = client.post("/lti/launch", data={"id_token": token, "state": "made-up"})
    assert response.status_code == 403
    assert "unknown_state" in response.get_data(as_text=True)


def test_missing_id_token(client, platform):
    auth = platform.login(client)
    response = client.post("/lti/launch", data={"state": auth["state"]})
    assert response.status_code == 400
    assert "missing_id_token" in response.get_data(as_text=True)


def test_garbage_id_token(client, platform):
    auth = platform.login(client)
    response = client.post(
        "/lti/launch", data={"id_token": "not.a.jwt", "state": auth["state"]}
    )
    assert response.status_code == 400
    assert "bad_token_format" in response.get_data(as_text=True)


@pytest.mark.parametrize("error", ["login_required", "launch_no_longer_valid"])
def test_platform_oidc_error(client, platform, error):
    auth = platform.login(client)
    response = client.post(
        "/lti/launch",
        data={"error": error, "error_description": "x", "state": auth["state"]},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error in html
    assert "platform_error" in html


def test_login_for_unknown_registration_echoes_what_arrived(client, platform):
    response = client.get(
        "/lti/login",
        query_string={
            "iss": "https://nope.example",
            "login_hint": "u",
            "client_id": "c",
        },
    )
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "https://nope.example" in html and "unknown_registration" in html


def test_login_without_issuer(client, platform):
    response = client.get("/lti/login", query_string={"login_hint": "u"})
    assert response.status_code == 400


def test_login_refuses_target_outside_tool(client, platform):
    response = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "login_hint": "u",
            "client_id": platform.client_id,
            "target_link_uri": "https://evil.example/steal",
        },
    )
    assert response.status_code == 400
    assert "Target: https://evil.example/steal" in response.get_data(as_text=True)


def test_login_shows_a_long_refused_target_cut_short(client, platform):
    target = "http://localhost/" + "a" * 1_000_000
    response = client.post(
        "/lti/login",
        data={
            "iss": platform.issuer,
            "login_hint": "u",
            "client_id": platform.client_id,
            "target_link_uri": target,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Target: {target[:200]}… (1,000,017 characters)" in page
    assert len(page) < 10_000


def test_pending_deployment_policy_records_it(client, platform, app):
    app.extensions["pathmark"].policy = type(app.extensions["pathmark"].policy)(
        leeway=app.extensions["pathmark"].policy.leeway,
        state_max_age=app.extensions["pathmark"].policy.state_max_age,
        unknown_deployment="pending",
    )
    response, _, _ = platform.launch(client, **{Claim.DEPLOYMENT_ID: "new-dep"})
    assert response.status_code == 403
    assert "pending_deployment" in response.get_data(as_text=True)
    with app.app_context():
        from lti_tool.models import Deployment

        statuses = {
            d.deployment_id: d.status for d in db.session.scalars(db.select(Deployment))
        }
    assert statuses == {DEPLOYMENT_ID: "active", "new-dep": "pending"}


def test_refusal_pages_never_show_tokens(client, platform):
    response, _, token = platform.launch(client, aud="x")
    assert token not in response.get_data(as_text=True)


def test_json_refusal_for_scripts(client, platform):
    response = client.get(
        "/lti/login",
        query_string={"login_hint": "u"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "login_params_missing"


def test_key_set_stored_by_another_worker_first_is_updated(client, platform, app):
    """Two workers fetch a new platform's JWKS at once; the second one wins."""
    from lti_tool.models import PlatformKeySet
    from tests.platform_fake import JWKS_URL

    platform.launch(client)
    keys = app.extensions["pathmark"].platform_keys
    rotated = SigningKey()
    platform.published.append(rotated)
    with app.app_context():
        # This worker saw no row, but another worker has stored one since.
        row = keys._fetch(JWKS_URL, None)
        assert rotated.kid in {k["kid"] for k in row.keys["keys"]}
        assert len(db.session.scalars(db.select(PlatformKeySet)).all()) == 1


def test_a_login_hint_too_long_to_be_real_is_refused_unstored(client, platform, app):
    from lti_tool.models import LoginState

    response = client.get(
        "/lti/login",
        query_string={
            "iss": platform.issuer,
            "client_id": platform.client_id,
            "login_hint": "u" * 5000,
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "login_params_too_long"
    with app.app_context():
        assert db.session.scalars(db.select(LoginState)).all() == []


def test_logins_clear_away_states_a_day_old(client, platform, app, monkeypatch):
    from datetime import timedelta

    from lti_tool import launch
    from lti_tool.models import LoginState

    monkeypatch.setattr(launch, "PURGE_EVERY", 1)
    query = {"iss": platform.issuer, "client_id": platform.client_id}
    assert (
        client.get("/lti/login", query_string={**query, "login_hint": "a"}).status_code
        == 302
    )
    with app.app_context():
        (old,) = db.session.scalars(db.select(LoginState)).all()
        old.created_at -= timedelta(days=1, minutes=1)
        old_state = old.state
        db.session.commit()
    assert (
        client.get("/lti/login", query_string={**query, "login_hint": "b"}).status_code
        == 302
    )
    with app.app_context():
        (left,) = db.session.scalars(db.select(LoginState)).all()
        assert left.state != old_state
