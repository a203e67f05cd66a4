"""Flask's signed cookie session, opened only when a session cookie arrives.

Only the admin pages keep anything in Flask's session; launches and the
pages after them carry a launch token instead. Flask builds its signing
serializer on every request before it looks for the cookie; here that
work waits until there is a cookie to check, which spares every launch
request (login, launch, and most pages) its cost. Signing, salt, key
fallbacks and cookie settings are Flask's own.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not app.secret_key:
            return None  # Flask's rule: no secret, no session
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
