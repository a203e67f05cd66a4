"""A platform for unit tests: signs id_tokens, serves its JWKS.

HTTP is faked at the transport layer only: a requests adapter mounted on
the app's shared session answers the JWKS URL, so Pathmark's own fetching,
caching and refetching run unchanged.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from requests.adapters import BaseAdapter

from lti_tool.db import db
from lti_tool.registration import PlatformEndpoints, add_platform
from lti_tool.vocab import Claim, ContextRole

ISSUER = "https://lms.example.edu"
CLIENT_ID = "pathmark-client"
DEPLOYMENT_ID = "deployment-1"
JWKS_URL = f"{ISSUER}/jwks"


class _Adapter(BaseAdapter):
    def __init__(self, routes: dict[str, Any], calls: list[str]):
        super().__init__()
        self.routes = routes
        self.calls = calls

    def send(self, request, **kwargs):
        self.calls.append(request.url)
        response = requests.Response()
        response.request = request
        response.url = request.url
        handler = self.routes.get(request.url.split("?")[0])
        if handler is None:
            response.status_code = 404
            response._content = b"not found"
            return response
        status, body = handler()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    def close(self):
        pass


class SigningKey:
    def __init__(self, kid: str | None = None):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid or uuid.uuid4().hex

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk


class FakePlatform:
    def __init__(self, app, issuer: str = ISSUER, client_id: str = CLIENT_ID):
        self.app = app
        self.issuer = issuer
        self.client_id = client_id
        self.key = SigningKey()
        self.published = [self.key]
        self.jwks_calls: list[str] = []
        self.jwks_status = 200
        adapter = _Adapter({JWKS_URL: self._jwks}, self.jwks_calls)
        app.extensions["pathmark"].http.mount(issuer, adapter)

    def _jwks(self):
        return self.jwks_status, {"keys": [k.jwk() for k in self.published]}

    def register(self, deployments=(DEPLOYMENT_ID,)):
        with self.app.app_context():
            add_platform(
                PlatformEndpoints(
                    issuer=self.issuer,
                    client_id=self.client_id,
                    auth_login_url=f"{self.issuer}/auth",
                    auth_token_url=f"{self.issuer}/token",
                    key_set_url=JWKS_URL,
                ),
                deployments,
            )
            db.session.commit()

    # The login and launch steps a browser would take.

    def login(self, client, **extra) -> dict[str, str]:
        """Start login; return the auth request's parameters (state, nonce...)."""
        params = {
            "iss": self.issuer,
            "login_hint": "user-1",
            "target_link_uri": "http://localhost/lti/launch",
            "lti_message_hint": "hint-1",
            "client_id": self.client_id,
            "lti_deployment_id": DEPLOYMENT_ID,
            **extra,
        }
        response = client.get("/lti/login", query_string=params)
        assert response.status_code == 302, response.get_data(as_text=True)
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        return {k: v[0] for k, v in query.items()}

    def claims(self, login_nonce: str, **overrides) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": login_nonce,
            "name": "Ana Łukasiewicz",
            "email": "ana@example.edu",
            Claim.MESSAGE_TYPE: "LtiResourceLinkRequest",
            Claim.VERSION: "1.3.0",
            Claim.DEPLOYMENT_ID: DEPLOYMENT_ID,
            Claim.TARGET_LINK_URI: "http://localhost/lti/launch",
            Claim.RESOURCE_LINK: {"id": "link-1", "title": "Introduce yourself"},
            Claim.ROLES: [ContextRole.LEARNER.value],
            Claim.CONTEXT: {"id": "course-1", "title": "English A2", "label": "EN"},
            Claim.CUSTOM: {"credential": "introduce-yourself"},
        }
        claims.update({str(k): v for k, v in overrides.items()})
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict[str, Any], key: SigningKey | None = None) -> str:
        key = key or self.key
        return jwt.encode(
            claims, key.private, algorithm="RS256", headers={"kid": key.kid}
        )

    def launch(self, client, *, claims=None, key=None, drop=(), **overrides):
        """Log in, then post a signed id_token built from ``claims``."""
        auth = self.login(client)
        body = claims or self.claims(auth["nonce"], **overrides)
        for name in drop:
            body.pop(str(name), None)
        token = self.sign(body, key)
        return (
            client.post(
                "/lti/launch", data={"id_token": token, "state": auth["state"]}
            ),
            auth,
            token,
        )
