"""Launch learners and staff into a placed credential, and post evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.models import Artefact, Submission
from lti_tool.vocab import Claim, ContextRole
from tests.credential_factory import BASE, definition_data

KEY = "tell-what-happened"
JSON_HEADERS = {"X-Requested-With": "pathmark", "Accept": "application/json"}


def place_credential(app, **evidence_changes: Any) -> None:
    evidence = {**BASE["evidence"], **evidence_changes}
    with app.app_context():
        catalogue.save(definition_data(evidence=evidence))
        db.session.commit()


@dataclass
class Session:
    client: Any
    launch_id: str
    token: str

    def url(self, path: str, **query: Any) -> str:
        params = "&".join(f"{k}={v}" for k, v in {"lt": self.token, **query}.items())
        return f"/evidence/{self.launch_id}/{path}?{params}"

    def page(self):
        return self.client.get(f"/activity/{self.launch_id}?lt={self.token}")

    def start(self) -> int:
        response = self.client.post(self.url("start"), headers=JSON_HEADERS)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["submission"]

    def post_file(self, submission: int, data: bytes, kind: str = "recording", **kw):
        content_type = kw.pop("content_type", "audio/webm")
        return self.client.post(
            self.url("files", submission=submission, kind=kind, **kw),
            data=data,
            content_type=content_type,
            headers=JSON_HEADERS,
        )

    def submit(self, submission: int, key: str = "k" * 20, own_work: bool = True):
        form = {"submission": submission, "submit_key": key}
        if own_work:
            form["own_work"] = "yes"
        return self.client.post(self.url("submit"), data=form, headers=JSON_HEADERS)


def launch(
    app,
    platform,
    *,
    sub: str = "user-1",
    role: str = ContextRole.LEARNER.value,
    context: str = "course-1",
    link: str = "link-1",
    custom: dict | None = None,
    claims: dict | None = None,
) -> Session:
    client = app.test_client()
    response, _, _ = platform.launch(
        client,
        sub=sub,
        **{
            Claim.ROLES: [role],
            Claim.CONTEXT: {"id": context, "title": f"Course {context}"},
            Claim.RESOURCE_LINK: {"id": link, "title": "Tell me"},
            Claim.CUSTOM: custom or {"credential": KEY},
            **(claims or {}),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    launch_id = location.path.rsplit("/", 1)[-1]
    token = parse_qs(location.query)["lt"][0]
    return Session(client, launch_id, token)


def stored_files(app) -> list:
    root = app.extensions["pathmark.store"].root
    return sorted(p for p in root.rglob("*") if p.is_file())


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            len(db.session.scalars(db.select(Artefact)).all()),
            len(db.session.scalars(db.select(Submission)).all()),
        )


def expire_launch_tokens(monkeypatch, app) -> None:
    """Move the launch tokens' clock past their lifetime (the session ends).

    Tokens issued afterwards carry the moved clock, so a new launch works.
    """
    from itsdangerous.timed import TimestampSigner

    real = TimestampSigner.get_timestamp
    ahead = app.config["LAUNCH_TOKEN_MAX_AGE"] + 60
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: real(self) + ahead
    )
