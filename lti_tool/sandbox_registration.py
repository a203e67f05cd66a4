"""Register the sandbox platform in Pathmark (development and tests only)."""

from __future__ import annotations

from flask import Flask

from lti_tool.config import read_toml
from lti_tool.models import Registration
from lti_tool.registration import PlatformEndpoints, add_platform


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
