"""``lti-tool awards`` (also ``lti-tool badges``): revoke, list, issuer keys."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool.db import db


@click.group("awards")
def awards() -> None:
    """Issued badges: list, revoke, and the issuer's signing keys."""


@awards.command("revoke")
@click.argument("award_id")
@click.option("--reason", required=True, help="Why; shown on the public page.")
@with_appcontext
def revoke(award_id: str, reason: str) -> None:
    """Revoke an award: set its status bit and re-sign the status list.

    Revoking an award again re-signs its status list and nothing else.
    """
    from lti_tool.badges import issuance

    try:
        done = issuance.revoke(award_id, reason)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--reason") from None
    except issuance.StatusListError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from None
    db.session.commit()
    award, listing = done.award, done.status_list
    if done.already:
        when = award.revoked_at.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"{award.id} was already revoked on {when} "
            f"({award.revocation_reason}); nothing changed."
        )
    else:
        click.echo(f"Revoked {award.id}.")
    for also in done.pathways:
        click.echo(
            f"Also revoked pathway badge {also.award.id} ({also.award.key}): "
            "it no longer has the credentials it needs."
        )
    click.echo(f"Status list {listing.id} re-signed as {listing.url}")
    base = issuance.badges().base_url
    if not (listing.url or "").startswith(base + "/"):
        click.echo(
            f"Note: this process is configured for {base}; the list keeps "
            "the address and issuer it was issued under."
        )


@awards.command("list")
@with_appcontext
def list_awards() -> None:
    """Every award: id, kind, key, issued, state."""
    from lti_tool.models import BadgeAward

    rows = db.session.scalars(select(BadgeAward).order_by(BadgeAward.issued_at))
    for award in rows:
        state = "revoked" if award.revoked else "active"
        issued = award.issued_at.strftime("%Y-%m-%d")
        click.echo(f"{award.id}  {award.kind:10} {award.key:30} {issued}  {state}")


@awards.command("rotate-key")
@with_appcontext
def rotate_key() -> None:
    """Sign new badges with a new issuer key; old ones stay resolvable."""
    from lti_tool.badges import issuance

    path = issuance.badges().keys.rotate()
    click.echo(f"New issuer key {path.name}; did:web keeps listing the old keys")


def register(main: click.Group) -> None:
    main.add_command(awards)
    main.add_command(awards, name="badges")
