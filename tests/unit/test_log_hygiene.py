"""Log lines name events and ids: never tokens, keys, hints or names."""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from lti_tool import catalogue
from lti_tool.access_log import (
    GUNICORN_ACCESS_FORMAT,
    PathOnlyLogger,
    PathOnlyRequestHandler,
)
from lti_tool.db import db
from lti_tool.vocab import Claim, ContextRole
from tests.credential_factory import definition_data
from tests.platform_fake import SigningKey


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pathmark")
    return caplog


def _secrets_of(app, platform) -> set[str]:
    keyring = app.extensions["pathmark"].keyring
    with app.app_context():
        tool_key = keyring.current()
    return {
        app.config["SECRET_KEY"],
        tool_key.private_pem().splitlines()[1],
        tool_key.public_jwk()["n"][:40],
        platform.key.jwk()["n"][:40],
        "PRIVATE KEY",
        "Ana Łukasiewicz",
        "Łukasiewicz",
        "ana@example.edu",
        "hint-1",  # lti_message_hint: opaque, sometimes a signed token
    }


def _everything_logged(logs) -> str:
    return "\n".join(record.getMessage() for record in logs.records)


def test_a_day_of_launches_logs_no_secrets(client, platform, app, logs):
    secrets: set[str] = _secrets_of(app, platform)
    launch_events = []

    def launch(**overrides):
        response, auth, token = platform.launch(client, **overrides)
        secrets.update({token, auth["state"], auth["nonce"]})
        return response

    # Accepted: a learner opens the page with the session token.
    accepted = launch()
    assert accepted.status_code == 303
    location = accepted.headers["Location"]
    secrets.add(location.split("lt=")[1])
    assert client.get(location).status_code == 200

    # A teacher's deep linking launch returns a signed response.
    with app.app_context():
        offer, _ = catalogue.save(definition_data())
        db.session.commit()
        version = str(offer.id)
    picker = launch(
        drop=[Claim.RESOURCE_LINK],
        **{
            Claim.MESSAGE_TYPE: "LtiDeepLinkingRequest",
            Claim.ROLES: [ContextRole.INSTRUCTOR.value],
            Claim.DL_SETTINGS: {
                "deep_link_return_url": "https://lms.example.edu/return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe"],
                "data": "dl-data-secretish",
            },
        },
    ).headers["Location"]
    secrets.add(picker.split("lt=")[1])
    returned = client.post(picker, data={"credential": version})
    match = re.search(r'name="JWT" value="([^"]+)"', returned.get_data(as_text=True))
    secrets.add(unescape(match.group(1)))

    # Refusals of every kind that carries something secret.
    now = int(time.time())
    assert launch(key=SigningKey(kid=platform.key.kid)).status_code == 401
    assert launch(exp=now - 600).status_code == 401
    assert launch(nonce="n-" + "x" * 30).status_code == 403
    assert launch(**{Claim.DEPLOYMENT_ID: "dep-x"}).status_code == 403
    replayed, auth, token = platform.launch(client)
    again = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
    assert again.status_code == 403
    secrets.update({token, auth["state"], auth["nonce"]})
    tampered = location[:-3] + "abc"
    assert client.get(tampered).status_code == 401
    secrets.add(tampered.split("lt=")[1])

    text = _everything_logged(logs)
    for record in logs.records:
        if record.name == "pathmark":
            launch_events.append(record.getMessage())
    assert any("event=launch.accepted" in line for line in launch_events)
    assert any("event=launch.refused" in line for line in launch_events)
    assert any("event=deep_linking.returned" in line for line in launch_events)
    leaked = sorted(s[:24] + "..." for s in secrets if s and s in text)
    assert leaked == []


def test_every_launch_line_is_one_event_with_ids(client, platform, app, logs):
    platform.launch(client)
    platform.launch(client, aud="nobody")
    lines = [r.getMessage() for r in logs.records if r.name == "pathmark"]
    assert lines
    for line in lines:
        assert "\n" not in line
        assert line.startswith("event=")
        fields = dict(part.split("=", 1) for part in line.split(" ") if "=" in part)
        assert set(fields) <= {
            "event", "launch", "registration", "deployment", "course", "link",
            "message", "role", "binding", "platform_storage", "new_window",
            "reason", "status", "path", "issuer", "client_id", "deployment_id",
            "detail", "url", "kid", "retry",
        }, line  # fmt: skip


def test_refused_launch_names_the_reason_and_ids(client, platform, logs):
    platform.launch(client, **{Claim.DEPLOYMENT_ID: "dep-x"})
    (line,) = [
        r.getMessage()
        for r in logs.records
        if r.getMessage().startswith("event=launch.refused")
    ]
    assert "reason=unknown_deployment" in line
    assert "deployment_id=dep-x" in line
    assert f"client_id={platform.client_id}" in line


def test_gunicorn_access_lines_leave_out_query_and_referrer():
    logger = Logger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/activity/abc?lt=SESSION-TOKEN",
        "PATH_INFO": "/activity/abc",
        "QUERY_STRING": "lt=SESSION-TOKEN",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://lms.example.edu/x?login_hint=HINT",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, [], environ, timedelta(milliseconds=3))
    )
    line = GUNICORN_ACCESS_FORMAT % atoms
    assert '"GET /activity/abc HTTP/1.1" 200 512' in line
    assert "SESSION-TOKEN" not in line
    assert "HINT" not in line


def test_dev_server_request_lines_leave_out_the_query(logs):
    handler = PathOnlyRequestHandler.__new__(PathOnlyRequestHandler)
    handler.command = "GET"
    handler.path = "/activity/abc?lt=SESSION-TOKEN"
    handler.request_version = "HTTP/1.1"
    handler.requestline = f"GET {handler.path} HTTP/1.1"
    handler.client_address = ("127.0.0.1", 50000)
    handler.log_request(200, 512)
    text = _everything_logged(logs)
    assert "GET /activity/abc HTTP/1.1" in text
    assert "SESSION-TOKEN" not in text
    assert handler.path.endswith("?lt=SESSION-TOKEN")


def test_serve_uses_the_query_free_access_format():
    from lti_tool.cli import gunicorn_command

    command = gunicorn_command("127.0.0.1:5000", 2)
    assert command[command.index("--access-logformat") + 1] == GUNICORN_ACCESS_FORMAT
    assert json.dumps(command).count("%(r)s") == 0


MEDIA_PATH = "/media/eyJtIjoxfQ.SIGNED-MEDIA-TOKEN"


def test_gunicorn_access_lines_leave_out_a_media_links_token():
    logger = PathOnlyLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": MEDIA_PATH,
        "PATH_INFO": MEDIA_PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="206 Partial Content", sent=100, headers=[])
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, [], environ, timedelta(milliseconds=3))
    )
    line = GUNICORN_ACCESS_FORMAT % atoms
    assert '"GET /media/[link] HTTP/1.1" 206 100' in line
    assert "SIGNED-MEDIA-TOKEN" not in line


def test_dev_server_request_lines_leave_out_a_media_links_token(logs):
    handler = PathOnlyRequestHandler.__new__(PathOnlyRequestHandler)
    handler.command = "GET"
    handler.path = MEDIA_PATH
    handler.request_version = "HTTP/1.1"
    handler.requestline = f"GET {handler.path} HTTP/1.1"
    handler.client_address = ("127.0.0.1", 50000)
    handler.log_request(206, 100)
    text = _everything_logged(logs)
    assert "GET /media/[link] HTTP/1.1" in text
    assert "SIGNED-MEDIA-TOKEN" not in text
    assert handler.path == MEDIA_PATH


def test_serve_logs_through_the_media_masking_logger():
    from lti_tool.cli import gunicorn_command

    command = gunicorn_command("127.0.0.1:5000", 2)
    named = command[command.index("--logger-class") + 1]
    assert named == "lti_tool.access_log.PathOnlyLogger"


def test_a_refusal_echoes_what_arrived_in_a_bounded_line(client, platform, logs):
    issuer = "https://lms.example/" + "x" * 20_000
    response = client.get(
        "/lti/login", query_string={"iss": issuer, "login_hint": "u", "client_id": "c"}
    )
    assert response.status_code == 404
    (line,) = [
        r.getMessage()
        for r in logs.records
        if r.getMessage().startswith("event=launch.refused")
    ]
    assert "issuer=https://lms.example/xxx" in line and "client_id=c" in line
    assert len(line) < 1_000
