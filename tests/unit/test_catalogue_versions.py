"""Saving credentials: versions, locking once in use, course copies."""

from __future__ import annotations

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.models import Course, CredentialVersion
from tests.credential_factory import definition_data


def test_save_then_read_back_the_definition(app):
    with app.app_context():
        row, outcome = catalogue.save(definition_data())
        db.session.commit()
        assert outcome == catalogue.CREATED
        found = catalogue.current_version("tell-what-happened")
        assert found.id == row.id
        defn = catalogue.definition(found)
        assert defn.version == 1
        assert defn.rubric.maximum == 16.0
        assert defn.rubric.criterion("range").level(3).label == "Secure"
        assert defn.rubric.criterion("range").feedback[2].practice


def test_unchanged_save_changes_nothing(app):
    with app.app_context():
        first, _ = catalogue.save(definition_data())
        again, outcome = catalogue.save(definition_data())
        assert outcome == catalogue.UNCHANGED
        assert again.id == first.id
        assert len(db.session.scalars(db.select(CredentialVersion)).all()) == 1


def test_edit_before_use_updates_in_place(app):
    with app.app_context():
        first, _ = catalogue.save(definition_data())
        edited, outcome = catalogue.save(definition_data(title="Tell a story"))
        assert outcome == catalogue.UPDATED
        assert edited.id == first.id
        assert catalogue.definition(edited).title == "Tell a story"


def test_edit_after_use_makes_a_new_version(app):
    with app.app_context():
        first, _ = catalogue.save(definition_data())
        catalogue.mark_in_use(first.id)
        second, outcome = catalogue.save(definition_data(title="Tell a story"))
        db.session.commit()
        assert outcome == catalogue.NEW_VERSION
        assert second.id != first.id and second.number == 2
        assert catalogue.definition(first).title == "Tell me what happened"
        assert catalogue.current_version("tell-what-happened").id == second.id


def test_course_copy_shadows_the_tool_credential(app, platform, client):
    platform.launch(client)
    with app.app_context():
        tool, _ = catalogue.save(definition_data())
        course_id = db.session.scalars(db.select(Course.id)).one()
        copy = catalogue.copy_to_course(tool.credential_id, course_id)
        db.session.commit()
        assert catalogue.current_version("tell-what-happened").id == tool.id
        found = catalogue.current_version("tell-what-happened", course_id)
        assert found.id == copy.id
        offered = catalogue.offers(course_id)
        assert [o.version_id for o in offered] == [copy.id]
