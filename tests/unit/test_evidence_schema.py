"""The evidence migration builds exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lti_tool.db import db

EVIDENCE_TABLES = {
    "submission",
    "artefact",
    "participant_consent",
    "upload",
    "upload_chunk",
    "media_link",
    "activity_deadline",
}


def _tables_in(diff) -> set[str]:
    names = set()
    for entry in diff:
        items = entry if isinstance(entry, list) else [entry]
        for item in items:
            for part in item[1:]:
                name = getattr(part, "name", None)
                table = getattr(part, "table", None)
                if table is not None:
                    names.add(table.name)
                elif isinstance(part, str):
                    names.add(part)
                elif name:
                    names.add(name)
    return names


def test_migrated_evidence_tables_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
        assert not (_tables_in(diff) & EVIDENCE_TABLES), diff
        present = set(db.inspect(conn).get_table_names())
        assert present >= EVIDENCE_TABLES


def test_migration_depends_on_the_catalogue(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config).get_revision("0003_evidence")
        assert script.down_revision == "0001"
        assert "0002_catalogue" in script.dependencies
