"""Deep linking and key rotation on both sides, over real HTTP.

The sandbox verifies Pathmark's LtiDeepLinkingResponse against Pathmark's
published JWKS and creates the link and line item it describes; Pathmark
verifies the sandbox's id_tokens against the sandbox's JWKS.
"""

from __future__ import annotations

import re

import jwt
import requests

from lti_tool.vocab import Claim
from tests.integration.lms_client import LmsUser

REFUSED = 'id="refusal"'


def return_to_lms(teacher, form) -> requests.Response:
    return teacher.http.post(form.action, data=form.fields)


def test_teacher_adds_an_activity_with_a_gradebook_column(stack, teacher):
    before = set(stack.lms.links)
    form = teacher.pick(teacher.deep_link())
    assert form.action == stack.sandbox_url + "/deep-linking/return"
    response = return_to_lms(teacher, form)
    assert response.status_code == 200, response.text
    assert "Added to the course" in response.text

    (new_id,) = set(stack.lms.links) - before
    link = stack.lms.links[new_id]
    assert link.title == "Tell me what happened"
    assert link.custom["credential"] == "tell-what-happened"
    item = stack.lms.lineitems[link.lineitem_id]
    assert item.score_maximum > 0
    assert item.tag == "pathmark"
    assert re.fullmatch(r"tell-what-happened@v1#\d+", item.resource_id)
    assert item.resource_id.endswith("#" + link.custom["credential_version"])
    assert item.resource_link_id == new_id

    # The new link launches into Pathmark with its credential.
    page = LmsUser(stack.sandbox_url, "learner").launch(new_id)
    assert 'data-view="learner"' in page.text
    assert "Tell me what happened" in page.text


def test_response_claims_follow_deep_linking_2(stack, teacher):
    form = teacher.pick(teacher.deep_link())
    token = form.fields["JWT"]
    header = jwt.get_unverified_header(token)
    jwks = requests.get(stack.tool_url + "/lti/jwks").json()
    current = jwks["keys"][0]
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    claims = jwt.decode(
        token,
        jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"])).key,
        algorithms=["RS256"],
        audience=stack.lms.issuer,
        issuer=stack.lms.client_id,
    )
    assert current["kty"] == "RSA" and current["use"] == "sig"
    assert claims[Claim.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert claims[Claim.DL_DATA]  # the sandbox's data, echoed
    (item,) = claims[Claim.DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["url"].startswith(stack.tool_url)
    assert {"scoreMaximum", "label", "resourceId", "tag"} <= set(item["lineItem"])


def test_a_replayed_response_is_refused_by_the_platform(stack, teacher):
    form = teacher.pick(teacher.deep_link())
    assert return_to_lms(teacher, form).status_code == 200
    again = return_to_lms(teacher, form)
    assert again.status_code == 400
    assert REFUSED in again.text and "replay" in again.text


def test_a_forged_response_is_refused_by_the_platform(stack, teacher):
    form = teacher.pick(teacher.deep_link())
    header, body, signature = form.fields["JWT"].split(".")
    forged = f"{header}.{body}.{signature[:-6]}AAAAAA"
    response = teacher.http.post(form.action, data={"JWT": forged})
    assert response.status_code == 401
    assert REFUSED in response.text


def test_platform_rotates_its_key_and_pathmark_refetches(stack, learner, link_id):
    assert learner.launch(link_id).status_code == 200  # old key cached
    new_key = stack.lms.rotate_key(keep_old=False)
    form = learner.launch_form(link_id)
    assert jwt.get_unverified_header(form.fields["id_token"])["kid"] == new_key.kid
    page = learner.follow(learner.post(form))
    assert 'data-view="learner"' in page.text
    assert f"event=platform_keys.refetch url={stack.lms.issuer}/jwks" in (
        stack.log_text()
    )


def test_tool_rotates_its_key_and_the_platform_follows(stack, teacher):
    # The sandbox has Pathmark's current key cached after one return.
    assert return_to_lms(teacher, teacher.pick(teacher.deep_link())).ok
    signed_before = teacher.pick(teacher.deep_link())
    old_kid = jwt.get_unverified_header(signed_before.fields["JWT"])["kid"]

    stack.cli("keys", "rotate")

    published = {
        k["kid"] for k in requests.get(stack.tool_url + "/lti/jwks").json()["keys"]
    }
    signed_after = teacher.pick(teacher.deep_link())
    new_kid = jwt.get_unverified_header(signed_after.fields["JWT"])["kid"]
    assert new_kid != old_kid
    assert {old_kid, new_kid} <= published

    # Signed just before the rotation: the old key is still published.
    assert return_to_lms(teacher, signed_before).status_code == 200
    fetches = stack.tool_keys.fetches
    # Signed with the new key: the sandbox refetches once and accepts it.
    assert return_to_lms(teacher, signed_after).status_code == 200
    assert stack.tool_keys.fetches == fetches + 1
