"""``lti-tool admin``: tool administrator accounts, managed on the server."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from lti_tool import admin_access
from lti_tool.db import db, utcnow


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def admin() -> None:
    """Accounts that may sign in to /admin."""


@admin.command("create")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
@with_appcontext
def create(username: str, password_stdin: bool) -> None:
    """Create an admin account (the first one bootstraps the admin pages)."""
    password = _read_password(password_stdin)
    try:
        account = admin_access.create(username, password)
    except admin_access.AdminError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Admin {account.username} created; sign in at /admin/login")


@admin.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read it from standard input.")
@with_appcontext
def password(username: str, password_stdin: bool) -> None:
    """Set a new password; the account's open sessions end."""
    try:
        account = admin_access.set_password(username, _read_password(password_stdin))
    except admin_access.AdminError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"New password set for {account.username}")


@admin.command("disable")
@click.argument("username")
@with_appcontext
def disable(username: str) -> None:
    """Stop an account from signing in; its open sessions end."""
    try:
        account = admin_access.disable(username)
    except admin_access.AdminError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Admin {account.username} disabled")


@admin.command("list")
@with_appcontext
def list_accounts() -> None:
    """List admin accounts."""
    accounts = admin_access.list_admins()
    if not accounts:
        click.echo("No admins yet. Create one with `lti-tool admin create NAME`.")
    now = utcnow()
    for account in accounts:
        state = "active" if account.active else "disabled"
        if account.locked_until and account.locked_until > now:
            state += f", locked until {account.locked_until:%H:%M} UTC"
        last = (
            f"last sign-in {account.last_login_at:%Y-%m-%d %H:%M} UTC"
            if account.last_login_at
            else "never signed in"
        )
        click.echo(f"{account.username}\t{state}\t{last}")
