"""The catalogue on SQLite and PostgreSQL: JSON round trip, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from lti_tool import catalogue, catalogue_io
from lti_tool.db import db
from lti_tool.models import Credential, CredentialDraft, PathwayVersion
from tests.catalogue_fixtures import document, pathway, write


def test_example_round_trips_through_the_database(app, tmp_path):
    with app.app_context():
        catalogue_io.import_example()
        db.session.remove()
        first = catalogue_io.export_document()
        path = tmp_path / "all.yaml"
        path.write_text(catalogue_io.dump(first), encoding="utf-8")
        again = catalogue_io.import_files([path])
        assert {s.outcome for s in again} == {catalogue.UNCHANGED}
        assert catalogue_io.export_document() == first
        assert len(db.session.scalars(db.select(PathwayVersion)).all()) == 3


def test_failed_import_leaves_the_store_untouched(app, tmp_path, monkeypatch):
    path = write(tmp_path, "a.yaml", document(pathways=[pathway()]))

    def broken(data):
        raise RuntimeError("storage failed")

    monkeypatch.setattr(catalogue, "save_pathway", broken)
    with app.app_context():
        with pytest.raises(RuntimeError):
            catalogue_io.import_files([path])
        db.session.remove()
        assert db.session.scalars(db.select(Credential)).all() == []


def test_one_draft_per_key_and_scope(app):
    with app.app_context():
        db.session.add(CredentialDraft(key="k", scope="tool", values={}))
        db.session.commit()
        db.session.add(CredentialDraft(key="k", scope="tool", values={}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
