"""Authoring: the live preview's answers, and publishing over a newer version
(warned and confirmed, or rebased; never a silent overwrite)."""

from __future__ import annotations

import re

import pytest

from lti_tool import catalogue
from lti_tool.authoring_rebase import base_values, is_stale, rebase
from lti_tool.db import db
from lti_tool.models import CredentialDraft
from tests import launches
from tests.credential_factory import definition_data
from tests.unit.test_authoring import base, form, new_values


@pytest.fixture
def cookieless(app):
    return app.test_client(use_cookies=False)


def preview(cookieless, launch_id, values, token, original_key=""):
    return cookieless.post(
        f"/catalogue/{launch_id}/preview?lt={token}",
        data=form(values, token, action="", original_key=original_key),
    )


def test_live_preview_draws_the_learner_rubric(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="live-one", title="Live <b>title</b>")
    values["rubric.criteria.0.levels.2.descriptor"] = "Joins every step clearly"
    reply = preview(cookieless, launch_id, values, token)
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["errors"] == {}
    html = body["html"]
    assert "Live &lt;b&gt;title&lt;/b&gt;" in html and "<b>title" not in html
    assert "How your work will be judged" in html
    assert '<table class="rubric" id="preview-rubric-live-one-1"' in html
    assert "Joins every step clearly" in html
    assert "Feedback script" not in html  # learners never see the scripts


def test_live_preview_names_problems_by_field_and_waits(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="live-two")
    values["title"] = ""
    values["rubric.criteria.1.levels.2.points"] = "lots"
    body = preview(cookieless, launch_id, values, token).get_json()
    assert body["errors"]["title"] == ["must not be empty"]
    assert body["errors"]["rubric.criteria.1.levels.2.points"] == ["must be a number"]
    assert "data-preview-waiting" in body["html"]
    assert "<table" not in body["html"]


def test_live_preview_follows_typing_before_the_form_is_complete(
    platform, client, cookieless
):
    launch_id, token = launches.admin(platform, client)
    values = new_values(key="live-three", title="Order <i>a</i> meal")
    values["outcome"] = "I can order a meal and ask about the dishes."
    values["evidence.prompt"] = "Order for two at a cafe."
    values["evidence.reveal_prompt_on_record"] = ""
    values["rubric.criteria.1.levels.2.points"] = "lots"
    body = preview(cookieless, launch_id, values, token).get_json()
    html = body["html"]
    assert body["errors"] and "data-preview-draft" in html
    assert "Order &lt;i&gt;a&lt;/i&gt; meal" in html and "<i>a" not in html
    assert "ask about the dishes" in html and "Order for two" in html
    assert "<table" not in html and "data-preview-waiting" in html

    values["evidence.reveal_prompt_on_record"] = "on"
    html = preview(cookieless, launch_id, values, token).get_json()["html"]
    assert "Order for two" not in html  # revealed only when recording starts


def test_live_preview_reports_a_taken_key(platform, client, cookieless, app):
    launch_id, token = launches.admin(platform, client)
    cookieless.post(f"/catalogue/{launch_id}/edit", data=form(new_values(), token))
    body = preview(cookieless, launch_id, new_values(), token).get_json()
    assert body["errors"]["key"] == ["a credential has this key already"]


def test_live_preview_needs_staff_and_the_token(platform, client, cookieless):
    launch_id, token = launches.admin(platform, client)
    no_token = cookieless.post(f"/catalogue/{launch_id}/preview", data=new_values())
    assert no_token.status_code == 401
    learner_id, learner_token = launches.learner(platform, client)
    refused = preview(cookieless, learner_id, new_values(), learner_token)
    assert refused.status_code == 403


def test_edit_page_opens_with_the_preview_and_its_script(
    app, platform, client, cookieless
):
    launch_id, token = launches.admin(platform, client)
    cookieless.post(f"/catalogue/{launch_id}/edit", data=form(new_values(), token))
    key = new_values()["key"]
    page = cookieless.get(f"/catalogue/{launch_id}/credentials/{key}/edit?lt={token}")
    html = page.get_data(as_text=True)
    assert f'data-live-preview="/catalogue/{launch_id}/preview?lt={token}"' in html
    assert "authoring_preview.js" in html
    assert "data-preview-ready" in html
    with app.app_context():
        current = catalogue.current_version(key)
        assert f'name="base_version" value="{current.id}"' in html
        assert f'name="base_digest" value="{current.digest}"' in html


def test_new_form_preview_waits_without_marking_fields(platform, client, cookieless):
    launch_id, token = launches.staff(platform, client)
    html = cookieless.get(f"/catalogue/{launch_id}/new?lt={token}").get_data(
        as_text=True
    )
    assert "data-preview-waiting" in html
    assert "aria-invalid" not in html and "has-error" not in html
    assert 'class="field-error" id' not in html
    # Places for group problems are there for the live preview, hidden.
    assert (
        '<p class="field-error" data-errors-for="mastery" id="f-mastery" hidden>'
        in html
    )


# Publishing over a newer version.


def _two_editors(app, platform, client, cookieless):
    """Ann opens v1 for editing; Ben publishes v2 before Ann publishes."""
    ann_id, ann_token = launches.admin(platform, client)
    cookieless.post(
        f"/catalogue/{ann_id}/edit", data=form(new_values(key="shared"), ann_token)
    )
    ann = new_values(key="shared") | base(app, "shared")
    ben_id, ben_token = launches.admin(platform, client)
    ben = new_values(key="shared", outcome="Ben's outcome") | base(app, "shared")
    published = cookieless.post(
        f"/catalogue/{ben_id}/edit",
        data=form(ben, ben_token, original_key="shared"),
    )
    assert published.status_code == 303
    return ann_id, ann_token, ann


def _titles_and_outcomes(app):
    with app.app_context():
        row = catalogue.credential("shared")
        return [
            (v.number, v.definition["title"], v.definition["outcome"])
            for v in row.versions
        ]


def test_publishing_over_a_newer_version_asks_first(app, platform, client, cookieless):
    ann_id, token, ann = _two_editors(app, platform, client, cookieless)
    ann["title"] = "Ann's title"
    page = cookieless.post(
        f"/catalogue/{ann_id}/edit", data=form(ann, token, original_key="shared")
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert 'data-stale="2"' in html
    assert "Version 2 was published after you started" in html
    assert (
        '<p class="notice notice-error" role="alert">Not published: version 2' in html
    )
    assert "Changed only in version 2: outcome." in html
    assert "Ann&#39;s title" in html  # her text is still on the page
    with app.app_context():
        draft = db.session.scalars(db.select(CredentialDraft)).one()
        assert draft.values["title"] == "Ann's title"
    # Nothing was published: version 2 is Ben's, untouched.
    assert [n for n, *_ in _titles_and_outcomes(app)] == [1, 2]
    assert _titles_and_outcomes(app)[1][2] == "Ben's outcome"


def test_publish_anyway_needs_the_version_it_was_shown(
    app, platform, client, cookieless
):
    ann_id, token, ann = _two_editors(app, platform, client, cookieless)
    ann["title"] = "Ann's title"
    url = f"/catalogue/{ann_id}/edit"
    with app.app_context():
        newer = catalogue.current_version("shared")
    wrong = form(ann, token, action="overwrite", original_key="shared")
    wrong["over_version"] = str(newer.id + 100)
    assert cookieless.post(url, data=wrong).status_code == 409
    right = wrong | {"over_version": str(newer.id)}
    assert cookieless.post(url, data=right).status_code == 303
    versions = _titles_and_outcomes(app)
    assert versions[-1] == (3, "Ann's title", ann["outcome"])


def test_rebase_keeps_my_changes_and_takes_theirs(app, platform, client, cookieless):
    ann_id, token, ann = _two_editors(app, platform, client, cookieless)
    ann["title"] = "Ann's title"
    url = f"/catalogue/{ann_id}/edit"
    page = cookieless.post(url, data=form(ann, token, "rebase", "shared"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rebased on version 2; nothing is published yet." in html
    assert "Taken from version 2: outcome." in html
    assert 'value="Ann&#39;s title"' in html and "Ben&#39;s outcome" in html
    assert [n for n, *_ in _titles_and_outcomes(app)] == [1, 2]

    # The page now names version 2 as its base, so publishing goes through.
    hidden = dict(re.findall(r'name="(base_\w+)" value="([^"]*)"', html))
    rebased = ann | hidden | {"outcome": "Ben's outcome"}
    done = cookieless.post(url, data=form(rebased, token, original_key="shared"))
    assert done.status_code == 303
    assert _titles_and_outcomes(app)[-1] == (3, "Ann's title", "Ben's outcome")


def test_resumed_new_draft_warns_when_the_key_was_published(
    app, platform, client, cookieless
):
    ann_id, token = launches.admin(platform, client)
    mine = new_values(key="race-key", title="Mine")
    saved = cookieless.post(
        f"/catalogue/{ann_id}/edit", data=form(mine, token, action="save")
    )
    assert saved.status_code == 200
    with app.app_context():
        catalogue.save(definition_data(key="race-key", title="Theirs"))
        db.session.commit()
    edit = f"/catalogue/{ann_id}/credentials/race-key/edit?lt={token}"
    resumed = cookieless.get(edit)
    assert 'name="base_version" value=""' in resumed.get_data(as_text=True)
    page = cookieless.post(
        f"/catalogue/{ann_id}/edit", data=form(mine, token, original_key="race-key")
    )
    assert page.status_code == 409
    assert "You started from no published version" in page.get_data(as_text=True)


# The rules themselves, without pages.


def test_stale_when_base_differs_or_is_missing():
    assert not is_stale(base_values(4, "d"), 4, "d")
    assert is_stale(base_values(3, "d"), 4, "d")
    assert is_stale(base_values(4, "old"), 4, "d")  # changed in place
    assert is_stale(base_values(None, None), 4, "d")
    assert is_stale({}, 4, "d")


def test_rebase_merges_field_by_field():
    base_side = {"title": "T", "outcome": "O", "kinds": ["a", "b"], "x": ""}
    mine = {"title": "Mine", "outcome": "O", "kinds": ["b", "a"], "x": "new"}
    theirs = {"title": "Theirs", "outcome": "O2", "kinds": ["a"], "x": ""}
    merged = rebase(mine | base_values(1, "d"), base_side, theirs)
    assert merged.values == {
        "title": "Mine",
        "outcome": "O2",
        "kinds": ["a"],
        "x": "new",
    }
    assert merged.taken == ("kinds", "outcome")
    assert merged.conflicts == ("title",)


def test_rebase_without_a_base_keeps_what_i_filled():
    theirs = {"title": "T", "outcome": "O"}
    merged = rebase({"title": "Mine", "outcome": ""}, {}, theirs)
    assert merged.values == {"title": "Mine", "outcome": "O"}
    assert merged.conflicts == ("title",)
