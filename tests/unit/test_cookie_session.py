"""Flask's session is opened only when its cookie arrives, and still checked."""

from __future__ import annotations

from flask import session

from lti_tool.cookie_session import LazyCookieSessionInterface


def _echo_app(app):
    @app.get("/_test/session")
    def show():
        return {"keys": sorted(session.keys()), "new": session.new}

    @app.post("/_test/session")
    def store():
        session["seen"] = 1
        return {}

    return app


def test_no_cookie_gives_an_empty_session_without_a_serializer(app, monkeypatch):
    interface = app.session_interface
    assert isinstance(interface, LazyCookieSessionInterface)
    built = []
    original = LazyCookieSessionInterface.get_signing_serializer
    monkeypatch.setattr(
        LazyCookieSessionInterface,
        "get_signing_serializer",
        lambda self, a: built.append(1) or original(self, a),
    )
    client = _echo_app(app).test_client()
    assert client.get("/_test/session").get_json()["keys"] == []
    assert built == []


def test_a_signed_cookie_is_read_and_a_forged_one_ignored(app):
    client = _echo_app(app).test_client()
    client.post("/_test/session")
    assert client.get("/_test/session").get_json()["keys"] == ["seen"]

    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-3] + "AAA")
    assert client.get("/_test/session").get_json()["keys"] == []
