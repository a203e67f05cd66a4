"""Migration 0008: existing status lists learn the identity they were issued.

The backfill takes each list's URL and issuer from the credentials that
point at it (signed by the serving app), not from the list's own signed
copy, which an earlier revocation may have signed under the wrong base URL.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lti_tool import create_app
from lti_tool.db import db, upgrade_schema
from lti_tool.models import BadgeAward, BadgeStatusList
from tests import badge_helpers as h

MIGRATION = "0008_badge_status_identity"


def test_backfill_takes_the_identity_from_the_awards(settings):
    app = create_app(settings)
    with app.app_context():
        upgrade_schema()
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        award = db.session.scalars(sa.select(BadgeAward)).one()
        url = award.document["credentialStatus"]["statusListCredential"]
        row = db.session.get(BadgeStatusList, award.status_list_id)
        damaged = dict(row.credential)
        damaged["id"] = "http://wrong-host.example/status/1"
        damaged["issuer"] = "did:web:wrong-host.example"
        row.credential = damaged
        db.session.commit()

        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision=f"{MIGRATION}-1")
        columns = {
            c["name"] for c in sa.inspect(db.engine).get_columns("badge_status_list")
        }
        assert "url" not in columns and "issuer_did" not in columns
        upgrade(directory=directory, revision="heads")

        db.session.expire_all()
        row = db.session.get(BadgeStatusList, award.status_list_id)
        assert row.url == url
        assert row.issuer_did == "did:web:localhost"
        db.session.remove()
        db.engine.dispose()


def test_a_list_no_award_points_at_keeps_its_own_identity(settings):
    app = create_app(settings)
    with app.app_context():
        upgrade_schema()
        learner = h.person()
        h.release(learner.id, h.credential().id)
        db.session.commit()
        award = db.session.scalars(sa.select(BadgeAward)).one()
        list_id = award.status_list_id
        listed = dict(db.session.get(BadgeStatusList, list_id).credential)
        db.session.delete(award)
        db.session.commit()

        directory = app.extensions["migrate"].directory
        downgrade(directory=directory, revision=f"{MIGRATION}-1")
        upgrade(directory=directory, revision="heads")

        db.session.expire_all()
        row = db.session.get(BadgeStatusList, list_id)
        assert (row.url, row.issuer_did) == (listed["id"], listed["issuer"])
        db.session.remove()
        db.engine.dispose()
