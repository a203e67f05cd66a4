"""Register the sandbox platform in Pathmark (development and tests only).

``lti-tool dev`` registers the sandbox the way a real LMS does: once both
servers answer, it opens Pathmark's ``/lti/register`` with the sandbox's
configuration URL and a one-time token, as an administrator's browser
would; Pathmark then fetches the sandbox's configuration and posts its
registration over HTTP. The sandbox keeps the ids it issued, so a restart
registers again only when Pathmark no longer knows them.

:func:`register_sandbox` stores the sandbox's fixed ids directly; the test
suite's servers use it to skip the round trip.
"""

from __future__ import annotations

import logging
import time

import requests
from flask import Flask

from lti_tool.config import read_toml
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models import Deployment, Registration
from lti_tool.registration import (
    PlatformEndpoints,
    add_platform,
    find_deployment,
    find_registration,
)

START_WAIT = 30.0
REGISTER_TIMEOUT = 60.0


class SandboxNotRegistered(RuntimeError):
    """Dynamic Registration of the sandbox did not finish; says what to do."""


def sandbox_endpoints(sandbox_url: str) -> PlatformEndpoints:
    settings = read_toml("sandbox.toml")
    base = sandbox_url.rstrip("/")
    return PlatformEndpoints(
        issuer=base,
        client_id=settings["client_id"],
        auth_login_url=f"{base}/auth",
        auth_token_url=f"{base}/token",
        key_set_url=f"{base}/jwks",
        name="Sandbox LMS",
    )


def register_sandbox(app: Flask) -> Registration:
    settings = read_toml("sandbox.toml")
    return add_platform(
        sandbox_endpoints(app.config["SANDBOX_URL"]), [settings["deployment_id"]]
    )


def _known(issuer: str, client_id: str, deployment_id: str) -> Registration | None:
    """The registration, when Pathmark launches from it with this deployment."""
    reg = find_registration(issuer, client_id)
    if reg is None:
        return None
    dep = find_deployment(reg, deployment_id)
    return reg if dep is not None and dep.status == Deployment.ACTIVE else None


def _wait_until_up(session: requests.Session, url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if session.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise SandboxNotRegistered(f"{url} did not answer within {seconds:g} s.")
        time.sleep(0.2)


def register_through_dr(app: Flask, sandbox: Flask, wait: float = START_WAIT) -> str:
    """Register the sandbox by Dynamic Registration unless Pathmark knows it.

    Returns a line for the terminal; raises :class:`SandboxNotRegistered`.
    """
    from lti_tool.sandbox.registration import CONFIGURATION_PATH, tool_registration_url

    lms = sandbox.extensions["sandbox_lms"]
    # Both servers are on this machine: a proxy from the shell never applies.
    session = requests.Session()
    session.trust_env = False
    with session:
        _wait_until_up(session, app.config["BASE_URL"] + "/healthz", wait)
        _wait_until_up(session, lms.issuer + CONFIGURATION_PATH, wait)

        with app.app_context():
            if lms.registered_by_dr and _known(
                lms.issuer, lms.client_id, lms.deployment_id
            ):
                return f"Sandbox LMS already registered as {lms.client_id}"

        url = tool_registration_url(sandbox)
        try:
            answer = session.get(url, timeout=REGISTER_TIMEOUT)
        except requests.RequestException as exc:
            raise SandboxNotRegistered(
                f"Pathmark's /lti/register did not answer ({type(exc).__name__})."
            ) from None

    hint = f"Open {lms.issuer}/register-tool to see why and to try again."
    if answer.status_code != 200:
        raise SandboxNotRegistered(
            f"Dynamic Registration answered HTTP {answer.status_code}. {hint}"
        )
    with app.app_context():
        reg = _known(lms.issuer, lms.client_id, lms.deployment_id)
        if reg is None:
            raise SandboxNotRegistered(
                "Pathmark does not know the client_id the sandbox issued. " + hint
            )
        # The operator's own sandbox: its administrators may edit the whole
        # catalogue, as a password admin would allow on the admin page.
        reg.trusted = True
        db.session.commit()
        event("registration.trusted", registration=reg.id, by="dev")
    return (
        "Sandbox LMS registered Pathmark by Dynamic Registration as "
        f"{lms.client_id} (deployment {lms.deployment_id})"
    )


def register_when_up(app: Flask, sandbox: Flask) -> None:
    """``lti-tool dev``'s start-up thread: report, never stop the servers."""
    import click

    try:
        click.echo(register_through_dr(app, sandbox))
    except SandboxNotRegistered as exc:
        event("registration.sandbox_failed", logging.WARNING)
        click.echo(f"Sandbox LMS not registered: {exc}", err=True)
