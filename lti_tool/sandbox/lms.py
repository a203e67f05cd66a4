"""The sandbox LMS's own state: course, people, links, gradebook, keys.

Everything lives in memory in one process (the sandbox is a development
and test peer, not a product), guarded by one lock because the sandbox
serves requests from several threads. Only the platform's signing key is
kept on disk when a folder is given, so Pathmark's cached key set stays
valid across restarts of ``make run``.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from lti_tool.vocab import INSTITUTION, ContextRole

HINT_LIFETIME = 300
KEY_FILE = "sandbox_platform_key.pem"
# The client_id and deployment_id Dynamic Registration issued, so a restart
# of `make run` keeps launching with them instead of registering again.
REGISTRATION_FILE = "sandbox_registration.json"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[str, ...]

    @property
    def is_learner(self) -> bool:
        return ContextRole.LEARNER.value in self.roles


@dataclass
class Link:
    link_id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    lineitem_id: str | None = None


@dataclass
class LineItem:
    item_id: str
    label: str
    score_maximum: float
    resource_id: str = ""
    tag: str = ""
    resource_link_id: str = ""

    def as_json(self, url: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": url,
            "label": self.label,
            "scoreMaximum": self.score_maximum,
        }
        for key, value in (
            ("resourceId", self.resource_id),
            ("tag", self.tag),
            ("resourceLinkId", self.resource_link_id),
        ):
            if value:
                data[key] = value
        return data


@dataclass(frozen=True)
class MessageHint:
    """What one login initiation is for; short-lived.

    Canvas-like hints work once (a second use is ``launch_no_longer_valid``);
    Moodle-like ones, naming the link, work again until they expire, which
    lets a tool retry the login in a new window.
    """

    user_id: str
    link_id: str | None  # None: a deep linking request
    multiple: bool
    expires: float
    single_use: bool


@dataclass
class PlatformKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> PlatformKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(key, "sandbox-" + secrets.token_hex(6))

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            .decode()
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk


def default_people() -> dict[str, Person]:
    learner = ContextRole.LEARNER.value
    return {
        p.user_id: p
        for p in (
            Person(
                "sb-learner-1",
                "Lena Müller-Øst",
                "Lena",
                "Müller-Øst",
                "lena@sandbox.test",
                (learner,),
            ),
            Person(
                "sb-teacher-1",
                "Tomás O'Brien",
                "Tomás",
                "O'Brien",
                "tomas@sandbox.test",
                (ContextRole.INSTRUCTOR.value,),
            ),
            Person(
                "sb-learner-2",
                "Yuki Tanaka (田中)",
                "Yuki",
                "Tanaka",
                "yuki@sandbox.test",
                (learner,),
            ),
            Person(
                "sb-teacher-2",
                "Ines Duarte",
                "Ines",
                "Duarte",
                "ines@sandbox.test",
                (ContextRole.INSTRUCTOR.value,),
            ),
            Person(
                "sb-ta-1",
                "Amara Okafor",
                "Amara",
                "Okafor",
                "amara@sandbox.test",
                (ContextRole.TEACHING_ASSISTANT.value,),
            ),
        )
    }


def default_administrators() -> dict[str, Person]:
    """Site administrators: not enrolled, so not in the roster or gradebook.

    Like a Moodle site admin opening a course: the institution
    Administrator role beside a course role.
    """
    admin = Person(
        "sb-admin-1",
        "Sam Admin",
        "Sam",
        "Admin",
        "admin@sandbox.test",
        (f"{INSTITUTION}#Administrator", ContextRole.INSTRUCTOR.value),
    )
    return {admin.user_id: admin}


# The people the switch signs in as: a learner, the teacher who scores, a
# second teacher who verifies (moderation needs someone other than the
# assessor), and a site administrator.
ACTING_AS = {
    "learner": "sb-learner-1",
    "teacher": "sb-teacher-1",
    "second-teacher": "sb-teacher-2",
    "site-admin": "sb-admin-1",
}


class SandboxLMS:
    """One course with its people, links, gradebook and the platform keys."""

    def __init__(
        self,
        *,
        issuer: str,
        tool_url: str,
        client_id: str,
        deployment_id: str,
        course_id: str,
        course_title: str,
        key_dir: Path | None = None,
    ):
        self.issuer = issuer.rstrip("/")
        self.tool_url = tool_url.rstrip("/")
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.course_id = course_id
        self.course_title = course_title
        self.people = default_people()
        self.administrators = default_administrators()
        self.links: dict[str, Link] = {}
        self.lineitems: dict[str, LineItem] = {}
        # line item id -> user id -> the last score body accepted
        self.scores: dict[str, dict[str, dict[str, Any]]] = {}
        self.lock = threading.RLock()
        self._hints: dict[str, MessageHint] = {}
        self._deep_link_data: dict[str, tuple[str, bool, float]] = {}
        self._seen_jti: dict[str, float] = {}
        self._seen_dl_nonces: dict[str, float] = {}
        self._key_dir = key_dir
        self.keys: list[PlatformKey] = [self._initial_key()]
        # True once the ids in use came from Dynamic Registration.
        self.registered_by_dr = self._load_registration()
        self._tamper: Any = None
        # What the sandbox refused or changed, newest last, for its pages.
        self.events: list[str] = []

    # Keys

    def _initial_key(self) -> PlatformKey:
        if self._key_dir is None:
            return PlatformKey.generate()
        path = self._key_dir / KEY_FILE
        if path.exists():
            private = serialization.load_pem_private_key(
                path.read_bytes(), password=None
            )
            assert isinstance(private, rsa.RSAPrivateKey)
            kid = path.with_suffix(".kid").read_text().strip()
            return PlatformKey(private, kid)
        key = PlatformKey.generate()
        self._save_key(key)
        return key

    def _save_key(self, key: PlatformKey) -> None:
        if self._key_dir is None:
            return
        self._key_dir.mkdir(parents=True, exist_ok=True)
        path = self._key_dir / KEY_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key.private_pem())
        path.with_suffix(".kid").write_text(key.kid)

    # Registration

    def _load_registration(self) -> bool:
        if self._key_dir is None:
            return False
        try:
            stored = json.loads((self._key_dir / REGISTRATION_FILE).read_text())
            client_id, deployment_id = stored["client_id"], stored["deployment_id"]
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return False
        self.client_id, self.deployment_id = str(client_id), str(deployment_id)
        return True

    def adopt_registration(self, client_id: str, deployment_id: str) -> None:
        """Launch with the ids Dynamic Registration issued from now on."""
        with self.lock:
            self.client_id = client_id
            self.deployment_id = deployment_id
            self.registered_by_dr = True
        if self._key_dir is not None:
            self._key_dir.mkdir(parents=True, exist_ok=True)
            ids = {"client_id": client_id, "deployment_id": deployment_id}
            (self._key_dir / REGISTRATION_FILE).write_text(json.dumps(ids))

    @property
    def current_key(self) -> PlatformKey:
        return self.keys[-1]

    def rotate_key(self, keep_old: bool = True) -> PlatformKey:
        """A new signing key; the old one stays published unless told not to."""
        key = PlatformKey.generate()
        with self.lock:
            self.keys = [*self.keys, key] if keep_old else [key]
        self._save_key(key)
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.keys]}

    # Launch bookkeeping

    def acting_person(self, role: str) -> Person:
        user_id = ACTING_AS.get(role, ACTING_AS["learner"])
        return self.people.get(user_id) or self.administrators[user_id]

    def issue_hint(
        self, user_id: str, link_id: str | None, multiple=True, single_use=True
    ) -> str:
        hint = secrets.token_urlsafe(16)
        with self.lock:
            self._hints[hint] = MessageHint(
                user_id, link_id, multiple, time.time() + HINT_LIFETIME, single_use
            )
        return hint

    def use_hint(self, hint: str) -> MessageHint | None:
        """The hint's launch; ``None`` when unknown, expired or used up."""
        with self.lock:
            found = self._hints.get(hint)
            if found is not None and found.single_use:
                del self._hints[hint]
        if found is None or found.expires < time.time():
            return None
        return found

    def open_deep_link(self, user_id: str, multiple: bool) -> str:
        data = secrets.token_urlsafe(16)
        with self.lock:
            self._deep_link_data[data] = (user_id, multiple, time.time())
        return data

    def close_deep_link(self, data: object) -> tuple[str, bool] | None:
        if not isinstance(data, str):
            return None
        with self.lock:
            found = self._deep_link_data.pop(data, None)
        return (found[0], found[1]) if found else None

    def first_use(self, kind: str, value: str, until: float) -> bool:
        """True the first time ``value`` (a jti or nonce) is seen until expiry."""
        seen = self._seen_jti if kind == "jti" else self._seen_dl_nonces
        now = time.time()
        with self.lock:
            for old in [v for v, exp in seen.items() if exp < now]:
                del seen[old]
            if value in seen:
                return False
            seen[value] = max(until, now + 60)
        return True

    def tamper_next(self, tamper: Any) -> None:
        """Change the next id_token (tests of the tool's refusals only)."""
        with self.lock:
            self._tamper = tamper

    def take_tamper(self) -> Any:
        with self.lock:
            tamper, self._tamper = self._tamper, None
        return tamper

    # Course content

    def add_link(
        self,
        title: str,
        custom: dict[str, str] | None = None,
        line_item: dict[str, Any] | None = None,
    ) -> Link:
        link = Link("sb-link-" + secrets.token_hex(4), title, dict(custom or {}))
        with self.lock:
            self.links[link.link_id] = link
            if line_item is not None:
                item = self.add_lineitem(
                    label=line_item.get("label") or title,
                    score_maximum=float(line_item["scoreMaximum"]),
                    resource_id=str(line_item.get("resourceId") or ""),
                    tag=str(line_item.get("tag") or ""),
                    resource_link_id=link.link_id,
                )
                link.lineitem_id = item.item_id
        return link

    def add_lineitem(self, **fields: Any) -> LineItem:
        item = LineItem("li-" + secrets.token_hex(4), **fields)
        with self.lock:
            self.lineitems[item.item_id] = item
            self.scores[item.item_id] = {}
        return item

    def log(self, line: str) -> None:
        with self.lock:
            self.events.append(line)
            del self.events[:-50]
