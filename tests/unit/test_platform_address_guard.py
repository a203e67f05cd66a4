"""Stored platform endpoints and every later call to them pass the address guard.

A real listening socket on 127.0.0.1 stands for an internal service: the
tests check that Pathmark never connects to it (or, for a name that
resolves differently at connect time, never sends it a byte) unless the
allow-list names loopback.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import types
from datetime import timedelta

import pytest

from lti_tool import public_address
from lti_tool.db import db
from lti_tool.dynamic_registration import (
    PlatformConfiguration,
    RegistrationFailed,
    store,
)
from lti_tool.models import Registration
from lti_tool.platform_keys import KeySetError, PlatformKeys
from lti_tool.public_address import (
    AddressPolicy,
    PlatformAddressRefused,
    parse_networks,
    platform_session,
)
from lti_tool.registration import EndpointRefused, PlatformEndpoints, add_platform
from lti_tool.service_tokens import ServiceTokens, TokenError

LOOPBACK = AddressPolicy(parse_networks("127.0.0.0/8"))


class Listener:
    """A loopback socket that records connections and the bytes they send."""

    def __init__(self, answer: bytes = b""):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.accepted = 0
        self.received = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(1)
                try:
                    self.received += conn.recv(65536)
                    if self.answer:
                        conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    served = Listener()
    yield served
    served.close()


def _jwks_answer() -> bytes:
    body = json.dumps({"keys": []}).encode()
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _endpoints(jwks: str, token: str = "https://93.184.216.34/token"):
    return PlatformEndpoints(
        issuer="https://lms.example.edu",
        client_id="c-1",
        auth_login_url="https://lms.example.edu/auth",
        auth_token_url=token,
        key_set_url=jwks,
    )


def test_add_platform_refuses_a_private_jwks_uri_naming_the_field(app):
    with app.app_context():
        with pytest.raises(EndpointRefused, match="jwks_uri"):
            add_platform(_endpoints("http://10.1.2.3/jwks"), policy=AddressPolicy())
        with pytest.raises(EndpointRefused, match="token_endpoint"):
            add_platform(
                _endpoints("https://93.184.216.34/jwks", token="http://127.0.0.1/t"),
                policy=AddressPolicy(),
            )
        assert db.session.query(Registration).count() == 0
        # The development allow-list keeps local platforms working.
        reg = add_platform(_endpoints("http://127.0.0.1:9/jwks"), policy=LOOPBACK)
        assert reg.key_set_url == "http://127.0.0.1:9/jwks"


def test_dynamic_registration_store_refuses_an_internal_jwks_uri(app):
    platform = PlatformConfiguration(
        issuer="https://lms.example.edu",
        authorization_endpoint="https://lms.example.edu/auth",
        token_endpoint="https://93.184.216.34/token",
        jwks_uri="http://169.254.169.254/latest/meta-data/",
        registration_endpoint="https://lms.example.edu/register",
        product_family_code="moodle",
        scopes_supported=None,
        messages_supported=None,
    )
    with app.app_context():
        with pytest.raises(RegistrationFailed) as failed:
            store(platform, {"client_id": "c-9"}, "active", LOOPBACK)
        assert failed.value.step == "address"
        assert failed.value.status == 403
        assert "jwks_uri" in failed.value.shown
        assert db.session.query(Registration).count() == 0


def _keys(http) -> PlatformKeys:
    return PlatformKeys(
        http, max_age=timedelta(hours=1), refetch_interval=timedelta(0), timeout=2
    )


def test_launch_key_fetch_to_a_refused_address_never_connects(app, listener, caplog):
    url = f"http://127.0.0.1:{listener.port}/jwks"
    http = app.extensions["pathmark"].http
    caplog.set_level(logging.INFO, logger="pathmark")
    refused = pytest.raises(KeySetError, match="PlatformAddressRefused")
    with app.app_context(), refused:
        _keys(http).key_for(url, "k1", "RS256")
    assert listener.accepted == 0
    refused = [r.getMessage() for r in caplog.records if "outbound.refused" in r.msg]
    assert refused and "loopback" in refused[0] and "127.0.0.1" in refused[0]


def test_the_allow_list_lets_a_local_platform_answer(app):
    served = Listener(_jwks_answer())
    try:
        http = platform_session(LOOPBACK, "test")
        url = f"http://127.0.0.1:{served.port}/j"
        no_key = pytest.raises(KeySetError, match="no key with kid")
        with app.app_context(), no_key:
            _keys(http).key_for(url, "k1", "RS256")
        assert served.accepted >= 1
    finally:
        served.close()


def test_grade_sync_token_request_to_a_refused_address_never_connects(
    app, listener, caplog
):
    caplog.set_level(logging.INFO, logger="pathmark")
    services = app.extensions["pathmark"]
    with app.app_context():
        reg = Registration(
            issuer="https://lms.example.edu",
            client_id="c-2",
            name="LMS",
            auth_login_url="https://lms.example.edu/auth",
            auth_token_url=f"http://127.0.0.1:{listener.port}/token",
            key_set_url="https://lms.example.edu/jwks",
        )
        db.session.add(reg)
        db.session.commit()
        tokens = ServiceTokens(services.http, services.keyring, timeout=2, wait=0)
        with pytest.raises(TokenError, match="refused by the outbound") as info:
            tokens.get(reg, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"])
        assert info.value.refused
    assert listener.accepted == 0
    assert any("outbound.refused" in r.getMessage() for r in caplog.records)


def test_a_name_that_rebinds_to_loopback_gets_no_byte(listener, monkeypatch):
    """The first lookup says public, the connection lands on loopback."""
    real = socket

    def public_lookup(host, port, *args, **kwargs):
        return [(real.AF_INET, real.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    fake = types.SimpleNamespace(
        getaddrinfo=public_lookup,
        gaierror=real.gaierror,
        SOCK_STREAM=real.SOCK_STREAM,
        socket=real.socket,
    )
    monkeypatch.setattr(public_address, "socket", fake)
    http = platform_session(AddressPolicy(), "test")
    with pytest.raises(PlatformAddressRefused, match="connection reached 127.0.0.1"):
        http.get(f"http://localhost:{listener.port}/jwks", timeout=2)
    listener.close()
    assert listener.received == b""


def test_a_name_that_does_not_resolve_yet_is_stored_and_checked_per_call(app):
    with app.app_context():
        reg = add_platform(
            _endpoints("https://jwks.invalid/keys"), policy=AddressPolicy()
        )
        assert reg.key_set_url == "https://jwks.invalid/keys"
    with pytest.raises(PlatformAddressRefused, match="cannot be resolved") as info:
        platform_session(AddressPolicy(), "test").get("https://jwks.invalid/k")
    # A name that does not resolve may resolve later: callers may retry.
    assert info.value.by_policy is False


def test_a_refused_address_is_marked_as_refused_by_policy(listener):
    http = platform_session(AddressPolicy(), "test")
    with pytest.raises(PlatformAddressRefused, match="loopback") as info:
        http.get(f"http://127.0.0.1:{listener.port}/jwks", timeout=2)
    assert info.value.by_policy is True
    assert listener.accepted == 0
