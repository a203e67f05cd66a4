"""A strict AGS platform peer over real HTTP on 127.0.0.1, with fault injection.

It enforces what Moodle and Canvas enforce (see shared LMS notes): the
token assertion (signature against the tool's JWKS, ``iss`` = ``sub`` =
client_id, ``aud`` = the token URL exactly, single-use ``jti``), only
granted scopes, bearer tokens that expire, the exact score media type, the
required fields, ``scoreGiven`` only beside a positive ``scoreMaximum``,
millisecond timestamps with an offset that are strictly later than the
stored one, and gradable users only. ``mode`` picks Moodle's or Canvas's
status codes. Faults are queued per route and used up one per request.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter, deque
from typing import Any

import jwt
import requests
from flask import Flask, jsonify, request
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server

from lti_tool.vocab import Scope

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINE_ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
ALL_SCOPES = {
    Scope.SCORE.value,
    Scope.LINEITEM.value,
    Scope.LINEITEM_READONLY.value,
    Scope.RESULT_READONLY.value,
}


class AgsPeer:
    def __init__(self, tool_jwks, client_id: str, mode: str = "moodle"):
        self.tool_jwks = tool_jwks  # callable: the tool's current JWKS
        self.client_id = client_id
        self.mode = mode
        self.granted = set(ALL_SCOPES)
        self.gradable: set[str] = set()
        # Canvas's Student View test students: score posts for them get 404.
        self.test_students: set[str] = set()
        self.token_lifetime = 3600
        # A platform that keeps its own maximum for created line items.
        self.fixed_maximum: float | None = None
        self.tokens: dict[str, tuple[set[str], float]] = {}
        self.jtis: set[str] = set()
        self.token_requests = 0
        self.line_items: dict[int, dict[str, Any]] = {}
        self.results: dict[tuple[int, str], dict[str, Any]] = {}
        self.accepted: list[dict[str, Any]] = []
        self.attempts: Counter[tuple[int, str]] = Counter()
        self.refusals: Counter[int] = Counter()
        self.faults: dict[str, deque] = {"token": deque(), "scores": deque()}
        self.holds: deque[float] = deque()
        self.lock = threading.Lock()
        self.app = self._build()
        self.port = 0
        self._server = None
        self._thread: threading.Thread | None = None

    # Lifecycle: start, stop ("the platform is down") and start again.

    def start(self) -> AgsPeer:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    @property
    def lineitems_url(self) -> str:
        return f"{self.base}/lineitems"

    def lineitem_url(self, item_id: int) -> str:
        # Moodle-style: the query string must survive "/scores" appending.
        return f"{self.base}/lineitems/{item_id}/lineitem?type_id=3"

    def add_line_item(self, **fields: Any) -> int:
        with self.lock:
            item_id = len(self.line_items) + 1
            self.line_items[item_id] = {
                "id": self.lineitem_url(item_id),
                "scoreMaximum": 12,
                "label": "Column",
                **fields,
            }
        return item_id

    def fail(self, route: str, *faults: dict[str, Any]) -> None:
        self.faults[route].extend(faults)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def scores_for(self, user_id: str) -> list[dict[str, Any]]:
        return [b for b in self.accepted if b["userId"] == user_id]

    def fetch_content_items(self) -> list[tuple[dict[str, Any], int, bytes]]:
        """GET every file a score's Canvas extension listed, as Canvas does
        some time after taking the score: ``(item, status, body)`` each."""
        fetched = []
        for body in list(self.accepted):
            extension = body.get(CANVAS_SUBMISSION) or {}
            for item in extension.get("content_items") or []:
                response = requests.get(item["url"], timeout=10)
                fetched.append((item, response.status_code, response.content))
        return fetched

    # The routes.

    def _fault(self, route: str):
        try:
            fault = self.faults[route].popleft()
        except IndexError:
            return None
        if "delay" in fault:
            time.sleep(fault["delay"])
            return None
        if "hold" in fault:
            # Handled normally, but the answer comes only after this wait.
            self.holds.append(fault["hold"])
            return None
        headers = {}
        if "retry_after" in fault:
            headers["Retry-After"] = fault["retry_after"]
        body = fault.get("body", {"error": "injected"})
        return jsonify(body), fault["status"], headers

    def _refuse(self, status: int, message: str):
        self.refusals[status] += 1
        return jsonify({"error": message}), status

    def _build(self) -> Flask:
        app = Flask("ags_peer")
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule(
            "/lineitems", view_func=self._container, methods=["GET", "POST"]
        )
        app.add_url_rule("/lineitems/<int:item_id>/lineitem", view_func=self._item)
        app.add_url_rule(
            "/lineitems/<int:item_id>/lineitem/scores",
            view_func=self._scores,
            methods=["POST"],
        )
        app.add_url_rule(
            "/lineitems/<int:item_id>/lineitem/results", view_func=self._results
        )
        # Set-up and counters for a peer running in another process.
        app.add_url_rule("/_admin", view_func=self._admin, methods=["GET", "POST"])
        return app

    def _admin(self):
        if request.method == "GET":
            return jsonify(
                accepted=len(self.accepted),
                token_requests=self.token_requests,
                refusals=dict(self.refusals),
            )
        body = request.get_json(force=True)
        self.gradable.update(body.get("gradable", []))
        items = [self.add_line_item(**f) for f in body.get("line_items", [])]
        return jsonify(line_items=items)

    def _token(self):
        self.token_requests += 1
        injected = self._fault("token")
        if injected is not None:
            return injected
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return self._refuse(400, "unsupported_grant_type")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return self._refuse(400, "invalid_request")
        try:
            claims = self._verify(form.get("client_assertion", ""))
        except jwt.PyJWTError as exc:
            return self._refuse(401, f"invalid_client: {exc}")
        with self.lock:
            if claims["jti"] in self.jtis:
                return self._refuse(401, "invalid_client: jti reused")
            self.jtis.add(claims["jti"])
        scopes = set(form.get("scope", "").split())
        if not scopes or not scopes <= self.granted:
            return self._refuse(400, "invalid_scope")
        value = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[value] = (scopes, time.time() + self.token_lifetime)
        return jsonify(
            access_token=value,
            token_type="Bearer",
            expires_in=self.token_lifetime,
            scope=" ".join(sorted(scopes)),
        )

    def _verify(self, assertion: str) -> dict[str, Any]:
        kid = jwt.get_unverified_header(assertion).get("kid")
        jwk = next((k for k in self.tool_jwks()["keys"] if k["kid"] == kid), None)
        if jwk is None:
            raise jwt.InvalidKeyError("unknown kid")
        claims = jwt.decode(
            assertion,
            RSAAlgorithm.from_jwk(jwk),
            algorithms=["RS256"],
            audience=self.token_url,
            issuer=self.client_id,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )
        if claims["sub"] != self.client_id or claims["exp"] - claims["iat"] > 600:
            raise jwt.InvalidTokenError("sub or lifetime")
        return claims

    def _authorised(self, *need: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        with self.lock:
            found = self.tokens.get(header[7:])
        if found is None or found[1] < time.time():
            return False
        return any(scope in found[0] for scope in need)

    def _container(self):
        if request.method == "POST":
            if not self._authorised(Scope.LINEITEM):
                return self._refuse(401, "unauthorized")
            if request.mimetype != LINE_ITEM_TYPE:
                return self._refuse(415, "media type")
            body = request.get_json(force=True)
            if not isinstance(body.get("scoreMaximum"), int | float):
                return self._refuse(400, "scoreMaximum")
            fields = {k: v for k, v in body.items() if k != "id"}
            if self.fixed_maximum is not None:
                fields["scoreMaximum"] = self.fixed_maximum
            item_id = self.add_line_item(**fields)
            return jsonify(self.line_items[item_id]), 201
        if not self._authorised(Scope.LINEITEM, Scope.LINEITEM_READONLY):
            return self._refuse(401, "unauthorized")
        wanted = request.args.get("resource_link_id")
        items = [
            item
            for item in self.line_items.values()
            if wanted is None or item.get("resourceLinkId") == wanted
        ]
        return jsonify(items)

    def _item(self, item_id: int):
        if not self._authorised(Scope.LINEITEM, Scope.LINEITEM_READONLY):
            return self._refuse(401, "unauthorized")
        if item_id not in self.line_items:
            return self._refuse(404, "no such line item")
        return jsonify(self.line_items[item_id])

    def _results(self, item_id: int):
        if not self._authorised(Scope.RESULT_READONLY):
            return self._refuse(401, "unauthorized")
        return jsonify(
            [
                {
                    "userId": user,
                    "resultScore": body.get("scoreGiven"),
                    "resultMaximum": body.get("scoreMaximum"),
                }
                for (item, user), body in self.results.items()
                if item == item_id
            ]
        )

    def _scores(self, item_id: int):
        injected = self._fault("scores")
        if injected is not None:
            return injected
        if request.args.get("type_id") != "3":
            return self._refuse(400, "query string lost")
        if not self._authorised(Scope.SCORE):
            return self._refuse(401, "unauthorized")
        if request.headers.get("Content-Type") != SCORE_TYPE:
            return self._refuse(400, "")
        if item_id not in self.line_items:
            return self._refuse(404, "line item not found")
        body = request.get_json(force=True, silent=True)
        problem = self._check(body)
        if problem is not None:
            return self._refuse(*problem)
        key = (item_id, body["userId"])
        with self.lock:
            previous = self.results.get(key)
            if previous is not None:
                # Moodle wants strictly later; Canvas refuses only earlier
                # and takes the same timestamp again as an update.
                if self.mode == "canvas" and body["timestamp"] < previous["timestamp"]:
                    return self._refuse(400, "score timestamp before current one")
                if self.mode != "canvas" and body["timestamp"] <= previous["timestamp"]:
                    return self._refuse(409, "timestamp not later than stored")
            self.results[key] = body
            self.accepted.append(body)
            extension = body.get(CANVAS_SUBMISSION) or {}
            if extension.get("new_submission", True):
                self.attempts[key] += 1
        if self.holds:
            time.sleep(self.holds.popleft())
        return jsonify({"resultUrl": f"{self.base}/results/{item_id}"}), 200

    def _check(self, body: Any) -> tuple[int, str] | None:
        canvas = self.mode == "canvas"
        if not isinstance(body, dict):
            return 400, "body is not an object"
        for name in ("userId", "timestamp", "activityProgress", "gradingProgress"):
            if not isinstance(body.get(name), str):
                return 400, f"{name} missing"
        if not TIMESTAMP.match(body["timestamp"]):
            return 400, "timestamp needs milliseconds and an offset"
        if body["activityProgress"] not in ACTIVITY:
            return 400, "activityProgress"
        if body["gradingProgress"] not in GRADING:
            return 400, "gradingProgress"
        maximum = body.get("scoreMaximum")
        if "scoreGiven" in body:
            if maximum is None:
                return (422 if canvas else 400), "scoreGiven without scoreMaximum"
            if not 0 <= body["scoreGiven"] <= maximum:
                return 400, "scoreGiven out of range"
        if maximum is not None and maximum <= 0:
            return 400, "scoreMaximum must be positive"
        if "comment" in body and not isinstance(body["comment"], str):
            return 400, "comment"
        if canvas and body["userId"] in self.test_students:
            return 404, "The specified resource does not exist."
        if body["userId"] not in self.gradable:
            if canvas:
                return 422, "User not found in course or is not a student"
            return 400, "Incorrect score received"
        return None


class RemotePeer:
    """The handle ``seed`` needs, for a peer served by ``python -m``."""

    def __init__(self, base: str):
        import requests

        self.base = base
        self.token_url = f"{base}/token"
        self.lineitems_url = f"{base}/lineitems"
        self.http = requests.Session()
        self.gradable = _RemoteSet(self)

    def lineitem_url(self, item_id: int) -> str:
        return f"{self.base}/lineitems/{item_id}/lineitem?type_id=3"

    def admin(self, **body: Any) -> dict[str, Any]:
        if body:
            return self.http.post(f"{self.base}/_admin", json=body).json()
        return self.http.get(f"{self.base}/_admin").json()

    def add_line_item(self, **fields: Any) -> int:
        return self.admin(line_items=[fields])["line_items"][0]


class _RemoteSet:
    def __init__(self, peer: RemotePeer):
        self.peer = peer

    def add(self, user: str) -> None:
        self.peer.admin(gradable=[user])


def main() -> None:
    """Serve a peer until stdin closes; print its port first."""
    import argparse
    import logging
    import sys
    from pathlib import Path

    from lti_tool.keys import KeyRing

    parser = argparse.ArgumentParser()
    parser.add_argument("--keys-dir", required=True)
    parser.add_argument("--client-id", required=True)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    peer = AgsPeer(KeyRing(Path(args.keys_dir)).jwks, args.client_id).start()
    print(peer.port, flush=True)
    sys.stdin.read()
    peer.stop()


if __name__ == "__main__":
    main()
