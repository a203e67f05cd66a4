"""A teacher authors a credential, places it with Deep Linking, and a learner
sees its rubric: the whole path, through real launches."""

from __future__ import annotations

import re

from lti_tool import catalogue
from lti_tool.authoring_form import values_from_data
from lti_tool.catalogue import normalised as _normalised
from lti_tool.models.catalogue import TOOL_SCOPE
from lti_tool.vocab import Claim, ContextRole
from tests import launches
from tests.credential_factory import definition_data
from tests.unit.test_picker import dl_claims, returned_claims


def test_author_place_and_learn(app, platform, client):
    cookieless = app.test_client(use_cookies=False)

    # 1. Course staff author a credential for their course.
    launch_id, token = launches.staff(platform, client)
    data = definition_data(key="our-story", title="Our course story")
    data["rubric"]["criteria"][0]["title"] = "Story order"
    values = values_from_data(_normalised(data))
    posted = cookieless.post(
        f"/catalogue/{launch_id}/edit",
        data={**values, "lt": token, "action": "publish", "original_key": ""},
    )
    assert posted.status_code == 303
    with app.app_context():
        version = catalogue.current_version("our-story", 1)
        assert version.credential.scope != TOOL_SCOPE
        version_id = version.id

    # 2. They place it through the Deep Linking picker.
    dl_id, dl_token = launches.launch_as(
        platform, client, ContextRole.INSTRUCTOR.value, **dl_claims()
    )
    picker = cookieless.get(f"/deep-linking/{dl_id}?lt={dl_token}")
    assert "Our course story" in picker.get_data(as_text=True)
    returned = cookieless.post(
        f"/deep-linking/{dl_id}", data={"lt": dl_token, "credential": str(version_id)}
    )
    (item,) = returned_claims(app, returned.get_data(as_text=True))[
        Claim.DL_CONTENT_ITEMS
    ]
    assert item["lineItem"]["resourceId"] == f"our-story@v1#{version_id}"

    # 3. The platform launches the new link with the item's custom values.
    learner_id, learner_token = launches.learner(
        platform,
        client,
        **{
            Claim.RESOURCE_LINK: {"id": "link-2", "title": item["title"]},
            Claim.CUSTOM: item["custom"],
        },
    )
    page = cookieless.get(f"/activity/{learner_id}?lt={learner_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "How your work will be judged" in html
    assert re.search(r'<th scope="row">Story order</th>', html)
