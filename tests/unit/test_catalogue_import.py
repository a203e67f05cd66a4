"""Import and export against the database: all or nothing, versions kept."""

from __future__ import annotations

import pytest
import yaml

from lti_tool import catalogue, catalogue_io
from lti_tool.catalogue_cli import catalogue_group
from lti_tool.catalogue_io import CatalogueInvalid, import_files
from lti_tool.db import db
from lti_tool.models import Credential, CredentialVersion, PathwayVersion
from tests.catalogue_fixtures import document, pathway, write
from tests.credential_factory import definition_data


def count(model) -> int:
    return len(db.session.scalars(db.select(model)).all())


def test_example_imports_exports_and_reimports_identically(app, tmp_path):
    with app.app_context():
        saved = catalogue_io.import_example()
        assert {s.outcome for s in saved} == {catalogue.CREATED}
        exported = catalogue_io.dump(catalogue_io.export_document())
        (tmp_path / "all.yaml").write_text(exported, encoding="utf-8")
        again = import_files([tmp_path / "all.yaml"])
        assert {s.outcome for s in again} == {catalogue.UNCHANGED}
        assert catalogue_io.dump(catalogue_io.export_document()) == exported
        assert count(CredentialVersion) == 8 and count(PathwayVersion) == 3


def test_export_imports_into_an_empty_catalogue(app, settings, tmp_path):
    with app.app_context():
        catalogue_io.import_example()
        first = catalogue_io.export_document()
    path = tmp_path / "all.yaml"
    path.write_text(catalogue_io.dump(first), encoding="utf-8")

    from lti_tool import create_app
    from lti_tool.db import upgrade_schema

    other = create_app({**settings, "database_url": f"sqlite:///{tmp_path}/b.db"})
    with other.app_context():
        upgrade_schema()
        import_files([path])
        assert catalogue_io.export_document() == first
        db.engine.dispose()


def test_unchanged_reimport_changes_nothing(app):
    with app.app_context():
        catalogue_io.import_example()
        again = import_files([catalogue_io.example_catalogue_dir()])
        assert {s.outcome for s in again} == {catalogue.UNCHANGED}


def test_repeated_example_load_keeps_an_administrators_edit(app, tmp_path):
    with app.app_context():
        catalogue_io.import_example()
        exported = catalogue_io.export_document(["introduce-yourself"])
        exported["credentials"][0]["title"] = "Introduce yourself, our way"
        path = tmp_path / "edit.yaml"
        path.write_text(catalogue_io.dump(exported), encoding="utf-8")
        import_files([path])
        before = count(CredentialVersion), count(PathwayVersion)

        # What every `make run` does through `lti-tool init --sandbox`.
        assert catalogue_io.import_example() == []

        row = catalogue.credential("introduce-yourself")
        title = catalogue.definition(catalogue.current_of(row)).title
        assert title == "Introduce yourself, our way"
        assert (count(CredentialVersion), count(PathwayVersion)) == before


def test_edit_of_a_version_in_use_makes_a_new_version(app, tmp_path):
    path = write(tmp_path, "c.yaml", document())
    with app.app_context():
        (first,) = import_files([path])
        version = catalogue.current_version("tell-what-happened")
        catalogue.mark_in_use(version.id)
        db.session.commit()
        write(tmp_path, "c.yaml", document([definition_data(title="A new title")]))
        (second,) = import_files([path])
        assert second.outcome == catalogue.NEW_VERSION and second.version == 2
        old = db.session.get(CredentialVersion, version.id)
        assert catalogue.definition(old).title == "Tell me what happened"


def test_edit_before_use_updates_in_place(app, tmp_path):
    path = write(tmp_path, "c.yaml", document())
    with app.app_context():
        import_files([path])
        write(tmp_path, "c.yaml", document([definition_data(title="Renamed")]))
        (saved,) = import_files([path])
        assert saved.outcome == catalogue.UPDATED and saved.version == 1


def test_stale_export_is_refused(app, tmp_path):
    path = write(tmp_path, "c.yaml", document())
    with app.app_context():
        import_files([path])
        catalogue.mark_in_use(catalogue.current_version("tell-what-happened").id)
        write(tmp_path, "c.yaml", document([definition_data(title="Second")]))
        import_files([path])
        old = definition_data(title="Edited from an old export", version=1)
        write(tmp_path, "old.yaml", document([old]))
        with pytest.raises(CatalogueInvalid) as caught:
            import_files([tmp_path / "old.yaml"])
        (problem,) = caught.value.problems
        assert "credentials.0.version: this text is version 1, but the catalogue " in (
            str(problem)
        )
        assert catalogue.current_version("tell-what-happened").number == 2


def test_one_bad_file_imports_nothing(app, tmp_path):
    write(tmp_path, "a.yaml", document())
    write(tmp_path, "b.yaml", document([definition_data(key="b", colour="x")]))
    with app.app_context():
        with pytest.raises(CatalogueInvalid) as caught:
            import_files([tmp_path])
        assert "b.yaml" in str(caught.value.problems[0])
        assert count(Credential) == 0


def test_a_failure_while_saving_rolls_everything_back(app, tmp_path, monkeypatch):
    doc = document(pathways=[pathway()])
    path = write(tmp_path, "a.yaml", doc)

    def broken(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalogue, "save_pathway", broken)
    with app.app_context():
        with pytest.raises(RuntimeError):
            import_files([path])
        assert count(Credential) == 0


def test_pathway_may_refer_to_a_stored_credential(app, tmp_path):
    with app.app_context():
        import_files([write(tmp_path, "c.yaml", document())])
        only_pathway = {"pathmark_catalogue": 1, "pathways": [pathway()]}
        (saved,) = import_files([write(tmp_path, "p.yaml", only_pathway)])
        assert saved.kind == "pathway" and saved.outcome == catalogue.CREATED


def test_cli_import_list_export(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(catalogue_group, ["import"])
    assert result.exit_code == 0, result.output
    assert "Imported 11 entries, 11 changed." in result.output

    listed = runner.invoke(catalogue_group, ["list"])
    assert "introduce-yourself\tv1 (editable)\tA2\tmax 16" in listed.output
    assert "pathway everyday-speaker" in listed.output

    out = tmp_path / "one.yaml"
    exported = runner.invoke(
        catalogue_group, ["export", "introduce-yourself", "-o", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    data = yaml.safe_load(out.read_text())
    assert [c["key"] for c in data["credentials"]] == ["introduce-yourself"]
    assert data["credentials"][0]["version"] == 1


def test_cli_export_needs_keys_and_names_missing_ones(app):
    runner = app.test_cli_runner()
    assert runner.invoke(catalogue_group, ["export"]).exit_code == 2
    result = runner.invoke(catalogue_group, ["export", "ghost"])
    assert result.exit_code == 1
    assert "no credential or pathway ghost" in result.output


def test_cli_import_reports_every_problem(app, tmp_path):
    path = write(tmp_path, "bad.yaml", document([definition_data(colour="x")]))
    result = app.test_cli_runner().invoke(catalogue_group, ["import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output
    assert "credentials.0.colour: unknown field" in result.output
    assert "1 problem found; nothing imported." in result.output


def test_cli_validate(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(catalogue_group, ["validate"])
    assert ok.exit_code == 0 and "Valid: 8 credentials, 3 pathways." in ok.output
    bad = write(tmp_path, "bad.yaml", "pathmark_catalogue: [\n")
    result = runner.invoke(catalogue_group, ["validate", str(bad)])
    assert result.exit_code == 1 and "not valid YAML" in result.output


def test_init_sandbox_loads_the_example(app):
    from lti_tool.cli import init

    result = app.test_cli_runner().invoke(init, ["--sandbox"])
    assert result.exit_code == 0, result.output
    assert "Example catalogue: 11 new entries" in result.output
    with app.app_context():
        assert catalogue.current_version("introduce-yourself") is not None
    again = app.test_cli_runner().invoke(init, ["--sandbox"])
    assert again.exit_code == 0, again.output
    assert "Example catalogue: 0 new entries" in again.output
