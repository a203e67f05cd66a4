"""``lti-tool receipts verify`` and ``lti-tool evidence sweep|expire-media``."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool import media, uploads
from lti_tool.db import db


@click.group()
def receipts() -> None:
    """Check learners' submission receipts."""


@receipts.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file: Path) -> None:
    """Check FILE's signature and whether the stored evidence still matches.

    Exits 0 when both hold, 1 when the receipt is not valid, 2 when it is
    valid but some stored evidence differs or is missing.
    """
    from lti_tool.receipt_views import check_receipt

    result = check_receipt(file.read_text(encoding="utf-8", errors="replace"))
    if not result["valid"]:
        click.echo(f"INVALID: {result['problem']}")
        sys.exit(1)
    claims = result["claims"]
    sub = claims["submission"]
    click.echo(
        f"Signature valid: submission {sub['id']} attempt {sub['attempt']}, "
        f"submitted {sub['submitted_at']}{' (late)' if sub['late'] else ''}"
    )
    for item in result["artefacts"]:
        click.echo(f"  {item['id']}: {item['status']}")
    if not result["all_match"]:
        click.echo("Some stored evidence no longer matches the receipt.")
        sys.exit(2)
    click.echo("All stored evidence matches the receipt.")


@click.group()
def evidence() -> None:
    """Housekeeping of stored evidence."""


@evidence.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Remove abandoned resumable uploads and recording tickets never used."""
    from lti_tool import recording_tickets

    cfg = current_app.config
    count = uploads.sweep(media.store(), timedelta(hours=cfg["UPLOAD_KEEP_HOURS"]))
    lifetime = timedelta(seconds=cfg["RECORDING_TICKET_SECONDS"])
    tickets = recording_tickets.sweep(lifetime)
    db.session.commit()
    click.echo(f"Removed {count} abandoned upload(s).")
    click.echo(f"Removed {tickets} unused recording ticket(s).")


@evidence.command("expire-media")
@with_appcontext
def expire_command() -> None:
    """Remove raw media past its retention time; digests and receipts stay."""
    from lti_tool.retention import expire_media

    days = current_app.config["MEDIA_RETENTION_DAYS"]
    if days <= 0:
        click.echo("media_retention_days is 0: media is kept.")
        return
    count = expire_media(media.store(), timedelta(days=days))
    db.session.commit()
    click.echo(f"Removed the media of {count} artefact(s).")
