"""Staff authoring pages, after real launches, with cookies withheld."""

from __future__ import annotations

import pytest

from lti_tool import catalogue, catalogue_io
from lti_tool.authoring_form import values_from_data
from lti_tool.authoring_rebase import base_values
from lti_tool.catalogue import normalised as _normalised
from lti_tool.db import db
from lti_tool.models import Credential, CredentialDraft
from lti_tool.models.catalogue import TOOL_SCOPE
from tests import launches
from tests.credential_factory import definition_data


@pytest.fixture
def cookieless(app):
    """A browser that blocks third-party cookies: only ``lt`` carries state."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def example(app):
    with app.app_context():
        catalogue_io.import_example()


def form(values, token, action="publish", original_key=""):
    data = {k: v for k, v in values.items()}
    data.update({"lt": token, "action": action, "original_key": original_key})
    return data


def new_values(**changes):
    return values_from_data(_normalised(definition_data(**changes)))


def base(app, key, course_id=None):
    """The hidden fields an edit page carries: the version it started from."""
    with app.app_context():
        current = catalogue.current_version(key, course_id)
        return base_values(current.id, current.digest)


def test_learner_gets_the_not_for_your_role_page(platform, client, cookieless):
    launch_id, token = launches.learner(platform, client)
    for path in ("", "/new", "/credentials/introduce-yourself"):
        page = cookieless.get(f"/catalogue/{launch_id}{path}?lt={token}")
        assert page.status_code == 403
        assert "This page is not for your role" in page.get_data(as_text=True)
    posted = cookieless.post(
        f"/catalogue/{launch_id}/edit", data=form(new_values(), token)
    )
    assert posted.status_code == 403


def test_pages_need_the_launch_token(platform, client, cookieless):
    launch_id, _ = launches.staff(platform, client)
    assert cookieless.get(f"/catalogue/{launch_id}").status_code == 401
    _, other_token = launches.staff(platform, client)
    page = cookieless.get(f"/catalogue/{launch_id}?lt={other_token}")
    assert page.status_code == 403


def test_staff_list_the_catalogue_without_cookies(
    platform, client, cookieless, example
):
    launch_id, token = launches.staff(platform, client)
    page = cookieless.get(f"/catalogue/{launch_id}?lt={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('data-key="') == 8
    assert "Everyday Speaker (A2)" in html
    # Links inside the page carry the token, so the next page opens too.
    assert f"/catalogue/{launch_id}/credentials/pass-it-on?lt={token}" in html


def test_view_shows_outcome_evidence_rubric_and_pathways(
    platform, client, cookieless, example
):
    launch_id, token = launches.staff(platform, client)
    page = cookieless.get(
        f"/catalogue/{launch_id}/credentials/tell-what-happened?lt={token}"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tells the story of a real or imagined past event" in html
    assert '<table class="rubric"' in html
    assert '<th scope="col"' in html and '<th scope="row">Coherence</th>' in html
    assert 'data-pathway="confident-communicator"' in html
    assert "Feedback script" in html
    assert "not referenced" in html


def test_unknown_credential_is_404(platform, client, cookieless):
    launch_id, token = launches.staff(platform, client)
    page = cookieless.get(f"/catalogue/{launch_id}/credentials/ghost?lt={token}")
    assert page.status_code == 404


def test_admin_publishes_a_new_tool_wide_credential(app, platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="new-one", title="A brand new credential")
    posted = cookieless.post(f"/catalogue/{launch_id}/edit", data=form(values, token))
    assert posted.status_code == 303
    assert f"lt={token}" in posted.headers["Location"]
    with app.app_context():
        version = catalogue.current_version("new-one")
        assert version.credential.scope == TOOL_SCOPE
        assert version.in_use  # published versions are frozen
    page = cookieless.get(posted.headers["Location"])
    assert "Published version 1." in page.get_data(as_text=True)


def test_editing_a_published_credential_makes_a_new_version(
    app, platform, client, cookieless
):
    launch_id, token = launches.admin(platform, client)
    url = f"/catalogue/{launch_id}/edit"
    cookieless.post(url, data=form(new_values(key="new-one"), token))
    edit = cookieless.get(f"/catalogue/{launch_id}/credentials/new-one/edit?lt={token}")
    assert edit.status_code == 200
    assert 'value="new-one" readonly' in edit.get_data(as_text=True)
    changed = new_values(key="new-one", title="Second title") | base(app, "new-one")
    posted = cookieless.post(url, data=form(changed, token, original_key="new-one"))
    assert posted.status_code == 303
    with app.app_context():
        row = catalogue.credential("new-one")
        assert [v.number for v in row.versions] == [1, 2]
        assert catalogue.definition(row.versions[0]).title == "Tell me what happened"
        assert catalogue.definition(row.versions[1]).title == "Second title"


def test_validation_errors_sit_next_to_fields_and_keep_the_text(
    app, platform, client, cookieless
):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="draft-one", outcome="Says <b>hello</b> & more")
    values["title"] = ""
    values["rubric.criteria.1.levels.2.points"] = "lots"
    values["mastery.level"] = "4"
    values["rubric.criteria.3.levels.3.descriptor"] = ""
    values["rubric.criteria.3.levels.3.points"] = ""
    values["rubric.criteria.3.levels.3.feedback.strength"] = ""
    values["rubric.criteria.3.levels.3.feedback.next_step"] = ""
    values["rubric.criteria.3.levels.3.feedback.practice"] = ""
    page = cookieless.post(f"/catalogue/{launch_id}/edit", data=form(values, token))
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert '<p class="field-error" id="f-title-error">must not be empty</p>' in html
    assert 'id="f-rubric-criteria-1-levels-2-points-error">must be a number' in html
    assert "Says &lt;b&gt;hello&lt;/b&gt; &amp; more" in html
    assert "Not published: fix the marked fields. Your text is kept." in html
    with app.app_context():
        assert catalogue.credential("draft-one") is None
        draft = db.session.scalars(db.select(CredentialDraft)).one()
        assert draft.values["outcome"] == "Says <b>hello</b> & more"


def test_unreachable_mastery_is_refused_in_the_form(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="hard-one")
    for name in ("label", "descriptor", "points"):
        values[f"rubric.criteria.0.levels.3.{name}"] = ""
    for name in ("strength", "next_step", "practice"):
        values[f"rubric.criteria.0.levels.3.feedback.{name}"] = ""
    values["mastery.level"] = "4"
    page = cookieless.post(f"/catalogue/{launch_id}/edit", data=form(values, token))
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "no assessment can reach mastery" in html


def test_key_of_a_saved_credential_cannot_change(platform, client, cookieless, example):
    launch_id, token = launches.admin(platform, client)
    values = values_from_data(definition_data(key="renamed"))
    page = cookieless.post(
        f"/catalogue/{launch_id}/edit",
        data=form(values, token, original_key="tell-what-happened"),
    )
    assert page.status_code == 400
    assert "the key of a saved credential stays" in page.get_data(as_text=True)


def test_new_credential_cannot_take_an_existing_key(
    platform, client, cookieless, example
):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="pass-it-on")
    page = cookieless.post(f"/catalogue/{launch_id}/edit", data=form(values, token))
    assert page.status_code == 400
    assert "a credential has this key already" in page.get_data(as_text=True)


def test_course_staff_edit_makes_a_course_copy(
    app, platform, client, cookieless, example
):
    launch_id, token = launches.staff(platform, client)
    edit = cookieless.get(
        f"/catalogue/{launch_id}/credentials/pass-it-on/edit?lt={token}"
    )
    assert "Publishing makes this course's own copy" in edit.get_data(as_text=True)
    with app.app_context():
        tool = catalogue.credential("pass-it-on")
        values = values_from_data(catalogue.current_of(tool).definition)
    values |= base(app, "pass-it-on", 1)
    values["title"] = "Pass it on (our course)"
    posted = cookieless.post(
        f"/catalogue/{launch_id}/edit",
        data=form(values, token, original_key="pass-it-on"),
    )
    assert posted.status_code == 303
    with app.app_context():
        rows = db.session.scalars(
            db.select(Credential).where(Credential.key == "pass-it-on")
        ).all()
        assert len(rows) == 2
        tool = next(r for r in rows if r.scope == TOOL_SCOPE)
        copy = next(r for r in rows if r.scope != TOOL_SCOPE)
        assert copy.copied_from_id == tool.id
        assert catalogue.definition(catalogue.current_of(tool)).title == "Pass it on"


def test_save_draft_then_resume_then_discard(app, platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="later-one", title="Unfinished")
    values["outcome"] = ""
    saved = cookieless.post(
        f"/catalogue/{launch_id}/edit", data=form(values, token, action="save")
    )
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "Draft saved. Fix the marked fields before publishing." in html
    listed = cookieless.get(f"/catalogue/{launch_id}?lt={token}")
    assert "Unfinished" in listed.get_data(as_text=True)
    resumed = cookieless.get(
        f"/catalogue/{launch_id}/credentials/later-one/edit?lt={token}"
    )
    assert 'value="Unfinished"' in resumed.get_data(as_text=True)
    gone = cookieless.post(
        f"/catalogue/{launch_id}/credentials/later-one/discard", data={"lt": token}
    )
    assert gone.status_code == 303
    with app.app_context():
        assert db.session.scalars(db.select(CredentialDraft)).all() == []


def test_draft_without_a_key_is_not_saved(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values()
    values["key"] = "Not A Key"
    page = cookieless.post(
        f"/catalogue/{launch_id}/edit", data=form(values, token, action="save")
    )
    assert page.status_code == 400
    assert "Give the credential a valid key" in page.get_data(as_text=True)


def test_preview_shows_the_learner_rubric(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="seen-one", title="<i>Seen</i>")
    page = cookieless.post(
        f"/catalogue/{launch_id}/edit", data=form(values, token, action="preview")
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-view="preview"' in html and '<table class="rubric"' in html
    assert "<i>Seen</i>" not in html and "&lt;i&gt;Seen&lt;/i&gt;" in html


def test_new_form_starts_from_the_common_scale(platform, client, cookieless):
    launch_id, token = launches.staff(platform, client)
    page = cookieless.get(f"/catalogue/{launch_id}/new?lt={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="rubric.criteria.0.levels.2.label" value="Secure"' in html
    assert 'name="rubric.criteria.4.id"' in html  # one spare criterion row


def test_learner_sees_the_rubric_before_submitting(platform, client, example):
    response, _, _ = platform.launch(client)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "How your work will be judged" in html
    assert '<th scope="row">Task coverage</th>' in html
    assert "Feedback script" not in html


def test_the_schema_is_published(client):
    response = client.get("/catalogue/schema.json")
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    assert response.get_json()["properties"]["pathmark_catalogue"] == {
        "description": "The file format version; 1 is the only one so far.",
        "const": 1,
    }


def test_course_staff_adopt_a_tool_credential(
    app, platform, client, cookieless, example
):
    launch_id, token = launches.staff(platform, client)
    posted = cookieless.post(
        f"/catalogue/{launch_id}/credentials/pass-it-on/adopt", data={"lt": token}
    )
    assert posted.status_code == 303
    page = cookieless.get(posted.headers["Location"])
    assert "Adopted by this course." in page.get_data(as_text=True)
    with app.app_context():
        first = catalogue.offers(1)[0]
        assert first.key == "pass-it-on" and first.adopted


def test_adopting_an_unknown_credential_is_404(platform, client, cookieless):
    launch_id, token = launches.staff(platform, client)
    posted = cookieless.post(
        f"/catalogue/{launch_id}/credentials/ghost/adopt", data={"lt": token}
    )
    assert posted.status_code == 404
