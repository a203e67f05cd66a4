"""Canvas developer-key JSON, the address guard's rules, its settings."""

from __future__ import annotations

import socket

import pytest

from lti_tool import create_app
from lti_tool.config import ConfigError
from lti_tool.public_address import AddressPolicy, AddressRefused, parse_networks
from lti_tool.vocab import Scope


def test_canvas_developer_key_json(client):
    response = client.get("/lti/config.json")
    assert response.status_code == 200
    key = response.get_json()
    assert key["oidc_initiation_url"] == "http://localhost/lti/login"
    assert key["target_link_uri"] == "http://localhost/lti/launch"
    assert key["public_jwk_url"] == "http://localhost/lti/jwks"
    assert set(key["scopes"]) == {s.value for s in Scope}
    # Only what Pathmark reads: the due date for the late flag; no Canvas
    # ids it would merely keep.
    assert key["custom_fields"] == {
        "due_at": "$Canvas.assignment.dueAt.iso8601",
        "context_id_history": "$Context.id.history",
        "resource_link_id_history": "$ResourceLink.id.history",
    }
    [extension] = key["extensions"]
    assert extension["platform"] == "canvas.instructure.com"
    assert extension["privacy_level"] == "public"
    assert extension["domain"] == "localhost"
    placements = {p["placement"]: p for p in extension["settings"]["placements"]}
    assert set(placements) == {"assignment_selection", "link_selection"}
    assert all(
        p["message_type"] == "LtiDeepLinkingRequest" for p in placements.values()
    )


def test_logo_the_registration_names_is_served(client):
    response = client.get("/static/pathmark-logo.svg")
    assert response.status_code == 200
    response.close()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private or reserved"),
        ("172.16.5.4", "private or reserved"),
        ("100.64.0.1", "private or reserved"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:10.0.0.1", "private or reserved"),
        ("224.0.0.1", "private or reserved"),
    ],
)
def test_policy_refuses_internal_addresses(address, why):
    assert why in AddressPolicy().refusal(address)


def test_policy_allows_public_and_listed_addresses():
    assert AddressPolicy().refusal("93.184.215.14") is None
    allowed = AddressPolicy(parse_networks("127.0.0.0/8"))
    assert allowed.refusal("127.0.0.1") is None
    assert allowed.refusal("10.0.0.1") is not None
    assert allowed.refusal("169.254.169.254") is not None


def test_metadata_ranges_cannot_be_allowed():
    with pytest.raises(ValueError, match="metadata"):
        parse_networks("169.254.0.0/16")
    with pytest.raises(ValueError):
        parse_networks("not-a-network")


def test_bad_allow_list_setting_stops_start_up(settings):
    with pytest.raises(ConfigError, match="registration_allowed_networks"):
        create_app({**settings, "registration_allowed_networks": "0.0.0.0/0"})


def test_connected_peer_is_checked_again():
    """A name may resolve to a public address, then connect to a private one."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname())
    try:
        with pytest.raises(AddressRefused, match="connection reached 127.0.0.1"):
            AddressPolicy().check_peer(client)
        assert client.fileno() == -1  # closed before any byte was sent
    finally:
        client.close()
        server.close()


def test_urls_that_are_not_http_are_refused():
    for url in ("file:///etc/passwd", "gopher://x/", "http:///nohost"):
        with pytest.raises(AddressRefused, match="not an http"):
            AddressPolicy().check_url(url)


def test_guarded_transport_refuses_a_rebound_name():
    """check_url passed (a name once resolved publicly); the connection then
    reaches loopback: the transport itself refuses before sending."""
    from werkzeug.wrappers import Response

    from lti_tool.public_address import OutboundClient
    from tests.local_server import serving

    hits = []

    def app(environ, start_response):
        hits.append(environ["PATH_INFO"])
        return Response("{}")(environ, start_response)

    client = OutboundClient(
        AddressPolicy(), timeout=2, max_bytes=1000, user_agent="test"
    )
    refused = pytest.raises(AddressRefused, match="connection reached 127.0.0.1")
    with serving(app) as url, client._session() as session, refused:
        session.get(url + "/secret", timeout=2)
    assert hits == []
