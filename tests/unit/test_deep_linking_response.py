"""The signed LtiDeepLinkingResponse a staff deep-linking launch returns."""

from __future__ import annotations

import re
from html import unescape

import jwt
import pytest

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.vocab import Claim, ContextRole
from tests.credential_factory import definition_data

RETURN_URL = "https://lms.example.edu/deep_link_return"


@pytest.fixture
def offers(app):
    """Two credentials in the catalogue; their version ids as strings."""
    with app.app_context():
        first, _ = catalogue.save(definition_data())
        second, _ = catalogue.save(
            definition_data(key="order-a-meal", title="Order a meal")
        )
        db.session.commit()
        return [str(first.id), str(second.id)]


def _settings(**changes):
    settings = {
        "deep_link_return_url": RETURN_URL,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": False,
        "data": "opaque-écho-42",
    }
    settings.update(changes)
    return {k: v for k, v in settings.items() if v is not None}


def _picker(client, platform, role=ContextRole.INSTRUCTOR, **settings):
    response, _, _ = platform.launch(
        client,
        drop=[Claim.RESOURCE_LINK],
        **{
            Claim.MESSAGE_TYPE: "LtiDeepLinkingRequest",
            Claim.ROLES: [role.value],
            Claim.DL_SETTINGS: _settings(**settings),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def _returned_jwt(response) -> str:
    html = response.get_data(as_text=True)
    assert f'action="{RETURN_URL}"' in html
    return unescape(re.search(r'name="JWT" value="([^"]+)"', html).group(1))


def _verify(app, token: str, platform) -> dict:
    jwks = jwt.PyJWKSet.from_dict(app.test_client().get("/lti/jwks").json)
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=platform.issuer)


def test_response_is_signed_for_the_platform(client, platform, app, offers):
    url = _picker(client, platform)
    picker = client.get(url)
    assert picker.status_code == 200
    response = client.post(url, data={"credential": offers[0]})
    assert response.status_code == 200, response.get_data(as_text=True)
    token = _returned_jwt(response)

    with app.app_context():
        current = app.extensions["pathmark"].keyring.current().kid
    assert jwt.get_unverified_header(token)["kid"] == current
    claims = _verify(app, token, platform)
    assert claims["iss"] == platform.client_id
    assert claims["aud"] == platform.issuer
    assert claims[Claim.DL_DATA] == "opaque-écho-42"
    assert claims[Claim.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert claims[Claim.VERSION] == "1.3.0"
    assert claims[Claim.DEPLOYMENT_ID] == "deployment-1"
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert claims["nonce"]

    (item,) = claims[Claim.DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Tell me what happened"
    assert item["url"] == "http://localhost/lti/launch"
    assert item["custom"]["credential"] == "tell-what-happened"
    assert item["custom"]["credential_version"] == offers[0]
    line_item = item["lineItem"]
    assert line_item["scoreMaximum"] > 0
    assert line_item["label"] == "Tell me what happened"
    assert line_item["resourceId"]
    assert line_item["tag"]


def test_no_data_in_the_request_means_none_in_the_response(
    client, platform, app, offers
):
    url = _picker(client, platform, data=None)
    token = _returned_jwt(client.post(url, data={"credential": offers[0]}))
    assert Claim.DL_DATA not in _verify(app, token, platform)


def test_one_item_only_unless_multiple_are_accepted(client, platform, app, offers):
    url = _picker(client, platform)
    response = client.post(url, data={"credential": offers})
    assert response.status_code == 400
    assert "one credential at a time" in response.get_data(as_text=True)


def test_several_items_when_multiple_are_accepted(client, platform, app, offers):
    url = _picker(client, platform, accept_multiple=True)
    picker = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in picker
    token = _returned_jwt(client.post(url, data={"credential": offers}))
    items = _verify(app, token, platform)[Claim.DL_CONTENT_ITEMS]
    assert [i["custom"]["credential_version"] for i in items] == offers


def test_a_placement_that_takes_no_links_is_refused_at_launch(client, platform):
    # Pathmark can only return resource links; pylti1p3 refuses the launch.
    response, _, _ = platform.launch(
        client,
        drop=[Claim.RESOURCE_LINK],
        **{
            Claim.MESSAGE_TYPE: "LtiDeepLinkingRequest",
            Claim.ROLES: [ContextRole.INSTRUCTOR.value],
            Claim.DL_SETTINGS: _settings(accept_types=["file", "html"]),
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "missing_claims" in html
    assert "resource link placement" in html


def test_a_version_not_offered_is_refused(client, platform, offers):
    url = _picker(client, platform)
    response = client.post(url, data={"credential": "999999"})
    assert response.status_code == 400
    assert "no longer offered" in response.get_data(as_text=True)


def test_learners_cannot_open_the_picker(client, platform, offers):
    url = _picker(client, platform, role=ContextRole.LEARNER)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"credential": offers[0]}).status_code == 403
