"""The Deep Linking picker lists the real catalogue and returns line items."""

from __future__ import annotations

import re

import jwt
import pytest

from lti_tool import catalogue, catalogue_io
from lti_tool.db import db
from lti_tool.models import CredentialVersion
from lti_tool.vocab import Claim, ContextRole
from tests import launches

RETURN_URL = "https://lms.example.edu/deep-link-return"


def dl_claims(**settings):
    return {
        Claim.MESSAGE_TYPE: "LtiDeepLinkingRequest",
        Claim.RESOURCE_LINK: None,
        Claim.CUSTOM: None,
        Claim.DL_SETTINGS: {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "data": "opaque-123",
            **settings,
        },
    }


@pytest.fixture
def example(app):
    with app.app_context():
        catalogue_io.import_example()


@pytest.fixture
def cookieless(app):
    return app.test_client(use_cookies=False)


def picker(platform, client, role=ContextRole.INSTRUCTOR.value, **settings):
    return launches.launch_as(platform, client, role, **dl_claims(**settings))


def version_id(app, key: str) -> int:
    with app.app_context():
        return catalogue.current_version(key).id


def returned_claims(app, html: str) -> dict:
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    with app.app_context():
        jwks = app.extensions["pathmark"].keyring.jwks()
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(jwt.PyJWK(k) for k in jwks["keys"] if k["kid"] == kid)
    return jwt.decode(
        token, key=key, algorithms=["RS256"], audience="https://lms.example.edu"
    )


def test_picker_groups_the_catalogue_by_pathway(platform, client, cookieless, example):
    launch_id, token = picker(platform, client)
    page = cookieless.get(f"/deep-linking/{launch_id}?lt={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    groups = re.findall(r'data-group="([^"]+)"', html)
    assert groups == [
        "everyday-speaker",
        "confident-communicator",
        "workplace-communicator",
    ]
    assert html.count('name="credential"') == 8
    assert html.count('<table class="rubric"') == 8
    first = html.index("Introduce yourself and someone close to you")
    assert first < html.index("Buy, book or return something")
    assert first < html.index("Tell me what happened")


def test_credentials_in_no_pathway_come_last(
    app, platform, client, cookieless, example
):
    from tests.credential_factory import definition_data

    with app.app_context():
        catalogue.save(definition_data(key="loose-one", title="Loose credential"))
        db.session.commit()
    launch_id, token = picker(platform, client)
    html = cookieless.get(f"/deep-linking/{launch_id}?lt={token}").get_data(
        as_text=True
    )
    assert re.findall(r'data-group="([^"]+)"', html)[-1] == "other"
    assert html.index("Loose credential") > html.index("Pass it on")


def test_filters_by_level_and_search(platform, client, cookieless, example):
    launch_id, token = picker(platform, client)
    html = cookieless.get(f"/deep-linking/{launch_id}?lt={token}&level=B2").get_data(
        as_text=True
    )
    assert html.count('name="credential"') == 2
    assert re.findall(r'data-group="([^"]+)"', html) == ["workplace-communicator"]
    html = cookieless.get(
        f"/deep-linking/{launch_id}?lt={token}&q=semi-formal"
    ).get_data(as_text=True)
    assert html.count('name="credential"') == 1
    html = cookieless.get(f"/deep-linking/{launch_id}?lt={token}&q=zzzz").get_data(
        as_text=True
    )
    assert "No credential matches." in html


def test_learner_cannot_open_the_picker(platform, client, cookieless, example):
    launch_id, token = picker(platform, client, role=ContextRole.LEARNER.value)
    page = cookieless.get(f"/deep-linking/{launch_id}?lt={token}")
    assert page.status_code == 403


def test_returned_line_item_names_key_version_and_maximum(
    app, platform, client, cookieless, example
):
    launch_id, token = picker(platform, client)
    chosen = version_id(app, "introduce-yourself")
    page = cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": str(chosen)}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'action="{RETURN_URL}"' in html
    claims = returned_claims(app, html)
    assert claims[Claim.DL_DATA] == "opaque-123"
    (item,) = claims[Claim.DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Introduce yourself and someone close to you"
    assert item["lineItem"] == {
        "scoreMaximum": 16.0,
        "label": "Introduce yourself and someone close to you",
        "resourceId": f"introduce-yourself@v1#{chosen}",
        "tag": "pathmark",
    }
    assert item["custom"] == {
        "credential": "introduce-yourself",
        "credential_version": str(chosen),
        "credential_version_number": "1",
    }
    with app.app_context():
        assert db.session.get(CredentialVersion, chosen).in_use


def test_placed_version_is_frozen_so_an_edit_makes_a_new_one(
    app, platform, client, cookieless, example
):
    from tests.credential_factory import definition_data

    launch_id, token = picker(platform, client)
    chosen = version_id(app, "tell-what-happened")
    cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": str(chosen)}
    )
    with app.app_context():
        saved, outcome = catalogue.save(definition_data(title="Changed later"))
        assert outcome == catalogue.NEW_VERSION and saved.id != chosen


def test_score_maximum_follows_the_rubric(app, platform, client, cookieless):
    from tests.credential_factory import criterion_data, definition_data

    data = definition_data(key="three-steps")
    data["rubric"]["criteria"] = [criterion_data("a", "A", 3), criterion_data("b", "B")]
    with app.app_context():
        catalogue.save(data)
        db.session.commit()
    launch_id, token = picker(platform, client)
    chosen = version_id(app, "three-steps")
    html = cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": str(chosen)}
    ).get_data(as_text=True)
    (item,) = returned_claims(app, html)[Claim.DL_CONTENT_ITEMS]
    assert item["lineItem"]["scoreMaximum"] == 7.0


def test_unknown_version_is_refused(platform, client, cookieless, example):
    launch_id, token = picker(platform, client)
    page = cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": "999999"}
    )
    assert page.status_code == 400
    assert "no longer offered" in page.get_data(as_text=True)


def test_nothing_chosen_is_refused(platform, client, cookieless, example):
    launch_id, token = picker(platform, client)
    page = cookieless.post(f"/deep-linking/{launch_id}", data={"lt": token})
    assert page.status_code == 400
    assert "Choose a credential" in page.get_data(as_text=True)


def test_two_when_the_lms_accepts_one_is_refused(
    app, platform, client, cookieless, example
):
    launch_id, token = picker(platform, client)
    both = [
        str(version_id(app, "introduce-yourself")),
        str(version_id(app, "pass-it-on")),
    ]
    page = cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": both}
    )
    assert page.status_code == 400
    assert "one credential at a time" in page.get_data(as_text=True)


def test_several_when_the_lms_accepts_several(
    app, platform, client, cookieless, example
):
    launch_id, token = picker(platform, client, accept_multiple=True)
    both = [
        str(version_id(app, "introduce-yourself")),
        str(version_id(app, "pass-it-on")),
    ]
    html = cookieless.post(
        f"/deep-linking/{launch_id}", data={"lt": token, "credential": both}
    ).get_data(as_text=True)
    items = returned_claims(app, html)[Claim.DL_CONTENT_ITEMS]
    assert [i["lineItem"]["resourceId"] for i in items] == [
        f"introduce-yourself@v1#{both[0]}",
        f"pass-it-on@v1#{both[1]}",
    ]
