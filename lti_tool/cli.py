"""The ``lti-tool`` command: set-up, serving, platforms and keys."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from lti_tool import evidence_cli
from lti_tool.admin_cli import admin as admin_group
from lti_tool.badges.cli import register as register_badge_commands
from lti_tool.catalogue_cli import catalogue_group
from lti_tool.db import db


def _create_app():
    from lti_tool import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Pathmark, the LTI 1.3 micro-credential tool."""


def _owner_only(url) -> None:
    """An SQLite file holds names and launch claims: readable by its owner only."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    if path.exists():
        path.chmod(0o600)


@main.command()
@click.option(
    "--sandbox/--no-sandbox",
    default=False,
    help="Also load the example catalogue for the sandbox (development only).",
)
@with_appcontext
def init(sandbox: bool) -> None:
    """Create or upgrade the database and keys. Harmless to repeat."""
    from lti_tool.db import upgrade_schema

    upgrade_schema()
    _owner_only(db.engine.url)
    click.echo(f"Database ready: {_safe_url(db.engine.url)}")

    keyring = current_app.extensions["pathmark"].keyring
    created = keyring.ensure()
    if created:
        click.echo(f"Created tool key {created.kid} in {keyring.folder}")
    else:
        click.echo(f"Tool keys present in {keyring.folder}")
    from lti_tool.badges.issuance import badges

    if badges().keys.ensure():
        click.echo(f"Created badge issuer key in {badges().keys.folder}")

    _bootstrap_admin_access()
    _untrusted_notice()

    if sandbox:
        click.echo(
            "Sandbox LMS: `lti-tool dev` registers Pathmark there by Dynamic "
            "Registration once both servers are up"
        )
        from lti_tool.catalogue_io import CatalogueInvalid, import_example

        try:
            saved = import_example()
        except CatalogueInvalid as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                "The example catalogue did not import."
            ) from None
        click.echo(
            f"Example catalogue: {len(saved)} new entries "
            "(entries already in the catalogue are left as they are)"
        )


def _bootstrap_admin_access() -> None:
    """Print the one-time set-up link on the first init only, never again."""
    from lti_tool import admin_access, admin_tickets

    if admin_access.count() > 0:
        return
    code = admin_tickets.issue_bootstrap(current_app.config["BOOTSTRAP_MAX_AGE"])
    db.session.commit()
    record = admin_tickets.bootstrap_record()
    if code is not None and record is not None:
        base = current_app.config["BASE_URL"]
        click.echo(
            "No admin account yet. Open this link once to create the first one "
            f"(valid until {record.expires_at:%Y-%m-%d %H:%M} UTC; it is shown "
            "only now):"
        )
        click.echo(f"  {base}/admin/bootstrap?code={code}")
        return
    click.echo(
        "No admin account yet. The one-time set-up link was printed by the "
        "first `lti-tool init`; if it is lost, used or expired, create an "
        "account with `lti-tool admin create NAME`, then sign in at /admin/login"
    )


def _untrusted_notice() -> None:
    """Registrations older than the trust setting start untrusted too, so
    an upgrade says how to give their LMS administrators tool-wide editing
    back without the admin pages."""
    from sqlalchemy import func, select

    from lti_tool.models import Registration

    count = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.trusted.is_(False))
    )
    if count:
        click.echo(
            f"{count} registration(s) not trusted for tool-wide catalogue "
            "editing (their LMS administrators edit only their own courses). "
            "Trust yours with `lti-tool platform trust --issuer ... "
            "--client-id ...`; `lti-tool platform list` shows which"
        )


def _safe_url(url) -> str:
    return url.render_as_string(hide_password=True)


def _url_port(name: str, fallback: int) -> int:
    from urllib.parse import urlsplit

    value = os.environ.get(name)
    return (urlsplit(value).port or fallback) if value else fallback


def _refuse_taken(port: int, what: str) -> None:
    """Stop before serving when a port is taken, so nobody is sent elsewhere."""
    import socket

    with socket.socket() as probe:
        # As the servers themselves do: connections of a server just stopped
        # (TIME_WAIT) do not make its port taken, a listening socket does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise click.ClickException(
                f"Port {port} ({what}) is in use. Stop what uses it, or pick free "
                "ports for both: PATHMARK_BASE_URL=http://localhost:5600 "
                "PATHMARK_SANDBOX_URL=http://127.0.0.1:5601 make run"
            ) from None


def _bypass_proxy_for_loopback() -> None:
    for name in ("NO_PROXY", "no_proxy"):
        listed = [h for h in os.environ.get(name, "").split(",") if h.strip()]
        extra = [h for h in ("127.0.0.1", "localhost") if h not in listed]
        os.environ[name] = ",".join([*listed, *extra])


@main.command()
@click.option("--host", default="localhost", show_default=True)
@click.option(
    "--port", type=int, default=None, help="Default: PATHMARK_BASE_URL's, else 5000."
)
@click.option(
    "--sandbox-port",
    type=int,
    default=None,
    help="Default: PATHMARK_SANDBOX_URL's, else 5001.",
)
def dev(host: str, port: int | None, sandbox_port: int | None) -> None:
    """Run Pathmark and the sandbox platform for development."""
    from pathlib import Path

    port = port or _url_port("PATHMARK_BASE_URL", 5000)
    sandbox_port = sandbox_port or _url_port("PATHMARK_SANDBOX_URL", 5001)
    _refuse_taken(port, "Pathmark")
    _refuse_taken(sandbox_port, "sandbox LMS")

    from werkzeug.serving import run_simple

    from lti_tool import create_app

    try:
        from lti_tool.sandbox import create_sandbox
    except ImportError as exc:
        raise click.ClickException(
            f"The sandbox needs the 'sandbox' extra ({exc.name} is missing): "
            "pip install -e '.[sandbox]'"
        ) from None

    tool_url = f"http://{host}:{port}"
    os.environ.setdefault("PATHMARK_BASE_URL", tool_url)
    os.environ.setdefault("PATHMARK_SANDBOX_URL", f"http://127.0.0.1:{sandbox_port}")
    os.environ.setdefault("PATHMARK_SANDBOX", "true")
    # The sandbox's Dynamic Registration runs on 127.0.0.1: allowed here,
    # in development only, and never sent through the shell's proxy.
    os.environ.setdefault("PATHMARK_REGISTRATION_ALLOWED_NETWORKS", "127.0.0.0/8")
    _bypass_proxy_for_loopback()
    app = create_app()
    sandbox = create_sandbox(
        tool_url=app.config["BASE_URL"],
        sandbox_url=app.config["SANDBOX_URL"],
        key_dir=Path(app.instance_path),
    )

    import threading

    from lti_tool.access_log import PathOnlyRequestHandler

    quiet = {"threaded": True, "request_handler": PathOnlyRequestHandler}
    thread = threading.Thread(
        target=run_simple,
        args=("127.0.0.1", sandbox_port, sandbox),
        kwargs=quiet,
        daemon=True,
    )
    thread.start()
    from lti_tool.sandbox_registration import register_when_up

    threading.Thread(target=register_when_up, args=(app, sandbox), daemon=True).start()
    from lti_tool.grade_jobs import jobs

    # The grade worker: a huey consumer in this process, beside the app.
    jobs(app).start_in_process()
    click.echo(f"Pathmark on {app.config['BASE_URL']}")
    click.echo(f"Sandbox LMS on http://127.0.0.1:{sandbox_port}  <- open this")
    run_simple(host, port, app, **quiet)


@main.command()
@click.option(
    "--threads",
    type=int,
    default=None,
    help="Worker threads. Default: the grade_worker_threads setting.",
)
@with_appcontext
def worker(threads: int | None) -> None:
    """Run the job consumer (huey) that sends scores to gradebooks."""
    from lti_tool.grade_jobs import run_consumer

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_consumer(app, threads)


@main.command()
@click.option("--bind", default="127.0.0.1:5000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve(bind: str, workers: int) -> None:
    """Serve Pathmark with gunicorn."""
    args = gunicorn_command(bind, workers)
    os.execv(args[0], args)


def gunicorn_command(bind: str, workers: int) -> list[str]:
    """The gunicorn command line; its access log leaves out query strings."""
    from lti_tool.access_log import GUNICORN_ACCESS_FORMAT, PathOnlyLogger

    logger = f"{PathOnlyLogger.__module__}.{PathOnlyLogger.__name__}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        GUNICORN_ACCESS_FORMAT,
        "--logger-class",
        logger,
        "lti_tool.wsgi:app",
    ]


@main.group()
def platform() -> None:
    """Platforms (LMS registrations) Pathmark accepts launches from."""


@platform.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss).")
@click.option("--client-id", required=True, help="Pathmark's client_id there.")
@click.option("--auth-url", required=True, help="OIDC authorization endpoint.")
@click.option("--token-url", required=True, help="OAuth 2 token endpoint.")
@click.option("--jwks-url", required=True, help="The platform's public keys.")
@click.option("--deployment-id", multiple=True, help="May be given several times.")
@click.option("--audience", default=None, help="Token audience, if not the URL.")
@click.option("--name", default="", help="A label for admins.")
@with_appcontext
def platform_add(
    issuer, client_id, auth_url, token_url, jwks_url, deployment_id, audience, name
) -> None:
    """Register a platform, or update its endpoints and add deployments."""
    from lti_tool.public_address import AddressPolicy, parse_networks
    from lti_tool.registration import (
        PlatformEndpoints,
        RegistrationError,
        add_platform,
    )

    allowed = current_app.config["REGISTRATION_ALLOWED_NETWORKS"]

    try:
        reg = add_platform(
            PlatformEndpoints(
                issuer=issuer,
                client_id=client_id,
                auth_login_url=auth_url,
                auth_token_url=token_url,
                key_set_url=jwks_url,
                auth_audience=audience,
                name=name,
            ),
            deployment_id,
            policy=AddressPolicy(parse_networks(allowed)),
        )
    except RegistrationError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    deployments = ", ".join(d.deployment_id for d in reg.deployments) or "none yet"
    click.echo(f"Registered {reg.issuer} client {reg.client_id} (id {reg.id})")
    click.echo(f"Deployments: {deployments}")


@platform.command("list")
@with_appcontext
def platform_list() -> None:
    """List registrations and their deployments."""
    from lti_tool.registration import list_registrations

    regs = list_registrations()
    if not regs:
        click.echo("No platforms registered. Add one with `lti-tool platform add`.")
    for reg in regs:
        trust = "trusted" if reg.trusted else "untrusted"
        click.echo(f"{reg.id}\t{reg.issuer}\t{reg.client_id}\t{reg.name}\t{trust}")
        click.echo(f"\tlogin {reg.auth_login_url}")
        click.echo(f"\ttoken {reg.auth_token_url}")
        click.echo(f"\tjwks  {reg.key_set_url}")
        for dep in reg.deployments:
            click.echo(f"\tdeployment {dep.deployment_id} ({dep.status})")


@platform.command("trust")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option(
    "--no", "untrust", is_flag=True, help="Take tool-wide editing back instead."
)
@with_appcontext
def platform_trust(issuer: str, client_id: str, untrust: bool) -> None:
    """Let a registration's LMS administrators edit the tool-wide catalogue."""
    from lti_tool.events import event
    from lti_tool.registration import find_registration

    reg = find_registration(issuer, client_id)
    if reg is None:
        raise click.ClickException(
            f"No registration for {issuer} / {client_id}; "
            "`lti-tool platform list` shows them"
        )
    reg.trusted = not untrust
    db.session.commit()
    event(
        "registration.trusted" if reg.trusted else "registration.untrusted",
        registration=reg.id,
        by="cli",
    )
    if reg.trusted:
        click.echo(f"Trusted: {issuer} client {client_id} (tool-wide editing)")
    else:
        click.echo(f"Untrusted: {issuer} client {client_id} (own courses only)")


@platform.command("remove")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@with_appcontext
def platform_remove(issuer: str, client_id: str) -> None:
    """Remove a registration with its deployments, courses and launches."""
    from lti_tool.registration import remove_platform

    if not remove_platform(issuer, client_id):
        raise click.ClickException(f"No registration for {issuer} / {client_id}")
    db.session.commit()
    click.echo(f"Removed {issuer} client {client_id}")


@main.group()
def keys() -> None:
    """The tool's signing keys."""


@keys.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Make a new current key; the old one stays published for the grace period."""
    keyring = current_app.extensions["pathmark"].keyring
    key = keyring.rotate()
    days = keyring.grace.days
    click.echo(f"New current key {key.kid}; retired keys stay published {days} days")


@keys.command("list")
@with_appcontext
def keys_list() -> None:
    """Show the keys, which is current, and which are still published."""
    keyring = current_app.extensions["pathmark"].keyring
    now = datetime.now(UTC)
    published = {k.kid for k in keyring.published(now)}
    for key in keyring.keys():  # noqa: SIM118 - a method, not a dict
        if key.current:
            status = "current"
        elif key.kid in published:
            until = key.retired_at + keyring.grace  # type: ignore[operator]
            status = f"retired, published until {until:%Y-%m-%d %H:%M} UTC"
        else:
            status = "retired, no longer published"
        click.echo(f"{key.kid}\tcreated {key.created_at:%Y-%m-%d %H:%M} UTC\t{status}")


main.add_command(admin_group)
register_badge_commands(main)
main.add_command(catalogue_group)
main.add_command(evidence_cli.receipts)
main.add_command(evidence_cli.evidence)
