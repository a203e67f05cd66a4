"""The sandbox LMS: a small platform for development and tests.

``lti-tool dev`` serves it on 127.0.0.1:5001 beside Pathmark on
localhost:5000, two different sites, so cookies and frames behave as they
do between a real LMS and Pathmark. Production never builds it: only the
``dev`` command and the test suite call :func:`create_sandbox`.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from lti_tool.config import load_settings, read_toml
from lti_tool.sandbox.lms import SandboxLMS
from lti_tool.sandbox.platform import ToolKeys


def create_sandbox(
    tool_url: str,
    *,
    sandbox_url: str | None = None,
    key_dir: Path | None = None,
) -> Flask:
    """The sandbox app for a Pathmark at ``tool_url``."""
    settings = read_toml("sandbox.toml")
    issuer = (sandbox_url or load_settings()["SANDBOX_URL"]).rstrip("/")
    lms = SandboxLMS(
        issuer=issuer,
        tool_url=tool_url,
        client_id=settings["client_id"],
        deployment_id=settings["deployment_id"],
        course_id=settings["course_id"],
        course_title=settings["course_title"],
        key_dir=key_dir,
    )
    lms.add_link("Getting started with Pathmark", line_item=None)

    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    app.config.update(
        SECRET_KEY=secrets.token_urlsafe(32),
        SESSION_COOKIE_NAME="sandbox_session",
        # Like a real LMS's session: sent with the authorization request
        # that reaches the sandbox inside the tool's cross-site iframe.
        # Browsers accept Secure cookies from http://127.0.0.1 and localhost.
        SESSION_COOKIE_SAMESITE="None",
        SESSION_COOKIE_SECURE=True,
    )
    app.extensions["sandbox_lms"] = lms
    app.extensions["sandbox_tool_keys"] = ToolKeys(tool_url.rstrip("/") + "/lti/jwks")

    from lti_tool.sandbox import registration
    from lti_tool.sandbox.views import bp

    app.register_blueprint(bp)
    registration.init_app(app)
    return app
