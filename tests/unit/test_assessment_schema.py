"""The assessment migration builds exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from lti_tool.db import db

TABLES = {"assessment", "moderation", "assessment_audit"}


def test_migrated_tables_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
        touched = {
            getattr(getattr(part, "table", None), "name", None)
            or getattr(part, "name", None)
            or (part if isinstance(part, str) else None)
            for entry in diff
            for item in (entry if isinstance(entry, list) else [entry])
            for part in item[1:]
        }
        assert not (touched & TABLES), diff
        assert set(db.inspect(conn).get_table_names()) >= TABLES


def test_revision_branches_off_the_spine_and_depends_on_its_tables(app):
    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config).get_revision("0004_assessment")
        assert script.down_revision == "0001"
        assert set(script.dependencies) == {"0003_evidence", "0002_catalogue"}
