"""Every refusal of a login or launch, over real HTTP, through the sandbox.

Each answer must carry the right status, the sentence telling the person
what to do, what arrived where it helps, a log line with the reason, and
never a stack trace or a 500.
"""

from __future__ import annotations

import time

import pytest

from lti_tool.refusals import ADVICE, Reason
from lti_tool.sandbox.lms import PlatformKey
from lti_tool.sandbox.platform import Tamper
from lti_tool.vocab import Claim
from tests.integration.lms_client import LmsUser, form_of


def assert_refused(stack, response, reason: Reason, *shown: str) -> None:
    advice = ADVICE[reason]
    body = response.text
    assert response.status_code == advice.status, body[:500]
    assert advice.title in body.replace("&#39;", "'")
    assert advice.action.replace("'", "&#39;") in body
    for text in shown:
        assert text in body
    assert "Traceback" not in body
    log = stack.log_text()
    assert f"event=launch.refused reason={reason.value}" in log
    assert "Traceback" not in log
    assert " 500" not in "\n".join(stack.access_lines())


def tampered_launch(stack, user: LmsUser, link_id: str, tamper: Tamper):
    stack.lms.tamper_next(tamper)
    return user.post(user.launch_form(link_id))


def test_login_from_an_unknown_issuer_echoes_what_arrived(stack, learner):
    response = learner.http.get(
        stack.tool_url + "/lti/login",
        params={
            "iss": "https://lms.unknown.example",
            "login_hint": "u1",
            "client_id": "client-that-nobody-registered",
        },
    )
    assert_refused(
        stack,
        response,
        Reason.UNKNOWN_REGISTRATION,
        "https://lms.unknown.example",
        "client-that-nobody-registered",
    )


def test_launch_for_another_client_echoes_what_arrived(stack, learner, link_id):
    tamper = Tamper(claims={"aud": "another-client", "azp": "another-client"})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(
        stack, response, Reason.UNKNOWN_REGISTRATION, "another-client", stack.lms.issuer
    )


def test_unknown_deployment_is_named(stack, learner, link_id):
    tamper = Tamper(claims={Claim.DEPLOYMENT_ID.value: "deployment-nobody-added"})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(
        stack, response, Reason.UNKNOWN_DEPLOYMENT, "deployment-nobody-added"
    )


def test_bad_signature(stack, learner, link_id):
    # Signed by a stranger's key under the platform's own kid.
    response = tampered_launch(
        stack, learner, link_id, Tamper(key=PlatformKey.generate())
    )
    assert_refused(stack, response, Reason.BAD_SIGNATURE)


def test_key_the_platform_never_published(stack, learner, link_id):
    stranger = PlatformKey.generate()
    response = tampered_launch(
        stack, learner, link_id, Tamper(key=stranger, kid=stranger.kid)
    )
    assert_refused(stack, response, Reason.BAD_SIGNATURE)


def test_expired_token(stack, learner, link_id):
    now = int(time.time())
    tamper = Tamper(claims={"iat": now - 900, "exp": now - 600})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(stack, response, Reason.TOKEN_EXPIRED)


def test_token_issued_in_the_future_beyond_leeway(stack, learner, link_id):
    now = int(time.time())
    tamper = Tamper(claims={"iat": now + 600, "exp": now + 900})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(stack, response, Reason.TOKEN_NOT_YET_VALID)


def test_small_clock_skew_is_accepted(stack, learner, link_id):
    now = int(time.time())
    tamper = Tamper(claims={"iat": now + 20, "nbf": now + 20})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert response.status_code == 303


def test_replayed_state(stack, learner, link_id):
    form = learner.launch_form(link_id)
    assert learner.post(form).status_code == 303
    assert_refused(stack, learner.post(form), Reason.REPLAYED_STATE)


def test_replayed_nonce_under_a_fresh_state(stack, learner, link_id):
    used = learner.launch_form(link_id)
    assert learner.post(used).status_code == 303
    fresh = learner.launch_form(link_id)
    # The old id_token (and its nonce) with the new login's state.
    response = learner.post(fresh, id_token=used.fields["id_token"])
    assert_refused(stack, response, Reason.NONCE_MISMATCH)


def test_missing_id_token(stack, learner, link_id):
    response = learner.post(learner.launch_form(link_id), id_token=None)
    assert_refused(stack, response, Reason.MISSING_ID_TOKEN)


def test_platform_says_login_required(stack, link_id):
    # A browser the LMS does not know: no sandbox session.
    stranger = LmsUser(stack.sandbox_url, role=None)
    form = form_of(stranger.start(f"/launch/{link_id}"), "autopost")
    assert form.fields["error"] == "login_required"
    response = stranger.post(form)
    assert_refused(stack, response, Reason.PLATFORM_ERROR, "login_required")


def test_platform_says_launch_no_longer_valid(stack, link_id):
    # Canvas-like sandbox: the login hint works once.
    user = LmsUser(stack.sandbox_url, "learner", storage=True)
    login = user.http.get(
        f"{stack.sandbox_url}/launch/{link_id}", allow_redirects=False
    ).headers["Location"]
    assert user.post(form_of(user.open(login), "autopost")).status_code == 303
    # A double submit: the same login again.
    again = form_of(user.open(login), "autopost")
    assert again.fields["error"] == "launch_no_longer_valid"
    response = user.post(again)
    assert_refused(stack, response, Reason.PLATFORM_ERROR, "launch_no_longer_valid")


def test_unsupported_message_type(stack, learner, link_id):
    tamper = Tamper(claims={Claim.MESSAGE_TYPE.value: "LtiSubmissionReviewRequest"})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(
        stack, response, Reason.UNSUPPORTED_MESSAGE, "LtiSubmissionReviewRequest"
    )


@pytest.mark.parametrize(
    "claim",
    [Claim.RESOURCE_LINK, Claim.VERSION, Claim.DEPLOYMENT_ID, Claim.ROLES, "sub"],
)
def test_missing_claims(stack, learner, link_id, claim):
    tamper = Tamper(claims={str(claim): None})
    response = tampered_launch(stack, learner, link_id, tamper)
    assert_refused(stack, response, Reason.MISSING_CLAIMS)


def test_garbage_id_token(stack, learner, link_id):
    response = learner.post(learner.launch_form(link_id), id_token="a.b")
    assert_refused(stack, response, Reason.BAD_TOKEN_FORMAT)
