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
    """Check FILE: signature and key, issuer, and each artefact's stored bytes.

    The stored bytes are read and hashed again. Exits 0 when everything
    holds, 1 when the receipt is not valid here (not a receipt, signature
    does not hold, or another issuer), 2 when it is valid but some stored
    evidence differs or is missing.
    """
    from lti_tool.receipt_views import check_receipt

    result = check_receipt(
        file.read_text(encoding="utf-8", errors="replace"), rehash=True
    )
    signature = result.get("signature")
    if signature is None:
        click.echo(f"INVALID: {result['problem']}")
        sys.exit(1)
    click.echo(f"Signature: {signature['says']}")
    if not signature["valid"]:
        if signature["key"] == "unknown":
            # The operator's shell may name another keys folder than the server.
            from lti_tool.services import services

            folder = services().keyring.folder
            click.echo(f"Keys read from {folder} (PATHMARK_KEYS_DIR).")
        click.echo("INVALID: the receipt cannot be trusted; nothing else was checked.")
        sys.exit(1)
    issuer = result["issuer"]
    if issuer["matches"]:
        click.echo(f"Issuer: this Pathmark ({issuer['this']})")
    else:
        click.echo(
            f"Issuer: DIFFERS: the receipt names {issuer['receipt']}, "
            f"this Pathmark is {issuer['this']}"
        )
    sub = result["claims"]["submission"]
    click.echo(
        f"Submission {sub['id']} attempt {sub['attempt']}, "
        f"submitted {sub['submitted_at']}{' (late)' if sub['late'] else ''}"
    )
    for item in result["artefacts"]:
        click.echo(f"  artefact {item['id']}: {item['says']}")
    if not result["valid"]:
        click.echo(f"INVALID: {result['problem']}.")
        sys.exit(1)
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
