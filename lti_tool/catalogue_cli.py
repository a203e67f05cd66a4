"""``lti-tool catalogue``: validate, import, export and list the catalogue."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

SHIPPED = "the example catalogue in config/catalogue"


@click.group("catalogue")
def catalogue_group() -> None:
    """Credentials and pathways: YAML files in, YAML files out."""


def _paths(paths: tuple[str, ...]) -> list:
    from lti_tool.catalogue_io import example_catalogue_dir

    return list(paths) or [example_catalogue_dir()]


def _report_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    count = len(problems)
    click.echo(
        f"{count} problem{'s' if count != 1 else ''} found; nothing imported.",
        err=True,
    )


@catalogue_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--store/--no-store",
    default=False,
    help="Also check against the stored catalogue, as import does.",
)
@with_appcontext
def validate(paths: tuple[str, ...], store: bool) -> None:
    """Check files or folders without importing (default: the example).

    Without --store the files are checked on their own: a pathway may only
    name credentials defined in them.
    """
    from lti_tool.catalogue_files import read
    from lti_tool.catalogue_io import check

    found = check(_paths(paths)) if store else read(_paths(paths))
    if not found.ok:
        for problem in found.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1)
    click.echo(
        f"Valid: {len(found.credentials)} credentials, {len(found.pathways)} pathways."
    )


@catalogue_group.command("import")
@click.argument("paths", nargs=-1, type=click.Path())
@with_appcontext
def import_(paths: tuple[str, ...]) -> None:
    """Import files or folders all or nothing (default: the example)."""
    from lti_tool.catalogue_io import CatalogueInvalid, import_files

    try:
        saved = import_files(_paths(paths))
    except CatalogueInvalid as exc:
        _report_problems(exc.problems)
        raise click.exceptions.Exit(1) from None
    for item in saved:
        click.echo(str(item))
    changed = sum(1 for s in saved if s.outcome != "unchanged")
    click.echo(f"Imported {len(saved)} entries, {changed} changed.")


@catalogue_group.command("export")
@click.argument("keys", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Export the whole catalogue.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@with_appcontext
def export(keys: tuple[str, ...], everything: bool, output: str | None) -> None:
    """Write credentials and pathways by key as a catalogue file."""
    from lti_tool.catalogue_io import dump, export_document

    if not keys and not everything:
        raise click.UsageError("Name one or more keys, or pass --all.")
    if keys and everything:
        raise click.UsageError("Name keys or pass --all, not both.")
    try:
        document = export_document(None if everything else list(keys))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    text = dump(document)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@catalogue_group.command("list")
@with_appcontext
def list_() -> None:
    """Show credentials (current version) and pathways."""
    from lti_tool import catalogue

    rows = catalogue.tool_credentials()
    if not rows:
        click.echo(f"The catalogue is empty. Import {SHIPPED} with")
        click.echo("  lti-tool catalogue import")
    for row in rows:
        current = catalogue.current_of(row)
        state = "in use" if current.in_use else "editable"
        maximum = f"{current.score_maximum:g}"
        click.echo(
            f"{row.key}\tv{current.number} ({state})\t{row.level}\t"
            f"max {maximum}\t{row.title}"
        )
    for pathway in catalogue.pathways():
        keys = ", ".join(pathway.credentials)
        click.echo(f"pathway {pathway.key}\tv{pathway.version}\t{pathway.title}")
        click.echo(f"\tneeds {pathway.needed} of: {keys}")
