"""Two editors publish the same credential at the same moment, both from
the same version: one publish wins, the other is asked first (409) and
keeps its text as a draft; neither overwrites the other silently."""

from __future__ import annotations

from lti_tool import catalogue
from lti_tool.authoring_rebase import base_values
from lti_tool.db import db
from lti_tool.models import CredentialDraft
from tests import launches
from tests.credential_factory import definition_data
from tests.database.races import race
from tests.platform_fake import FakePlatform
from tests.unit.test_authoring import form, new_values


def test_simultaneous_publishes_one_wins_one_is_asked(app):
    platform = FakePlatform(app)
    platform.register()
    client = app.test_client()
    editors = [launches.admin(platform, client) for _ in range(2)]
    with app.app_context():
        first, _ = catalogue.save(definition_data(key="shared"))
        catalogue.mark_in_use(first.id)  # published: the next edit is v2
        db.session.commit()
        base = base_values(first.id, first.digest)

    posts = []
    for (launch_id, token), title in zip(editors, ("Ann", "Ben"), strict=True):
        values = new_values(key="shared", title=title) | base
        posts.append(
            (f"/catalogue/{launch_id}/edit", form(values, token, original_key="shared"))
        )
    results = race(app, posts, "UPDATE CREDENTIAL SET")

    statuses = [r.status_code for r in results]
    assert sorted(statuses) == [303, 409], [
        r.get_data(as_text=True)[:300] for r in results
    ]
    loser = results[statuses.index(409)].get_data(as_text=True)
    assert "Version 2 was published after you started" in loser
    winner, other = ("Ann", "Ben") if statuses[0] == 303 else ("Ben", "Ann")
    with app.app_context():
        row = catalogue.credential("shared")
        assert [v.number for v in row.versions] == [1, 2]
        assert row.versions[1].definition["title"] == winner
        draft = db.session.scalars(db.select(CredentialDraft)).one()
        assert draft.values["title"] == other
