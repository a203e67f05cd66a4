"""The course roster from Names and Role Provisioning Services 2.0.

NRPS 2.0, section 2 (membership container) and 2.4 (paging with the HTTP
``Link`` header, ``rel="next"``). The access token comes from the
platform's token endpoint through the client credentials grant with a
signed JWT (LTI security framework, section 4.1), through the shared
token cache of ``service_tokens``. Pages are followed until no ``next`` link
is left, however the header is written (quoted or bare ``rel``, several
relation types, any case, relative URLs, several ``Link`` headers), and
only on the memberships URL's own origin, so a token never leaves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.utils import parse_header_links

from lti_tool.events import event
from lti_tool.models import Launch, Registration
from lti_tool.roles import CourseRole, course_role
from lti_tool.service_tokens import TokenError
from lti_tool.vocab import Claim, Scope

MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200

TokenSource = Callable[[Registration, tuple[str, ...]], str]


class RosterUnavailable(Exception):
    """The roster cannot be shown; the message says why, for staff."""


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    roles: tuple[str, ...]
    status: str

    @property
    def course_role(self) -> CourseRole:
        return course_role(self.roles)

    @property
    def active(self) -> bool:
        return self.status.lower() == "active"


def next_link(header: str | None, base_url: str) -> str | None:
    """The absolute URL of the ``next`` relation in a ``Link`` header."""
    if not header:
        return None
    for link in parse_header_links(header):
        rels = " ".join(v for k, v in link.items() if k.strip().lower() == "rel")
        if "next" in rels.lower().split():
            return urljoin(base_url, link.get("url", "").strip())
    return None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class NamesRoles:
    """Reads a course's members through NRPS, following every page."""

    def __init__(
        self, http: requests.Session, tokens: TokenSource, timeout: float = 10
    ):
        self.http = http
        self.tokens = tokens
        self.timeout = timeout

    def members(self, launch: Launch) -> list[Member]:
        claim = launch.claims.get(Claim.NRPS) or {}
        url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise RosterUnavailable(
                "The roster is unavailable: the LMS did not offer Names and "
                "Role Provisioning in this launch."
            )
        try:
            token = self.tokens(launch.registration, (Scope.NRPS_READONLY.value,))
        except TokenError as exc:
            event("roster.no_token", launch=launch.id, status=exc.status)
            raise RosterUnavailable(
                f"The LMS refused Pathmark a token for the course roster ({exc}). "
                "Ask your LMS administrator to allow Names and Role "
                "Provisioning for Pathmark."
            ) from None
        origin = _origin(url)
        members: list[Member] = []
        seen: set[str] = set()
        pages = 0
        next_url: str | None = url
        while next_url is not None:
            if next_url in seen or pages >= MAX_PAGES:
                event("roster.paging_stopped", launch=launch.id, pages=pages)
                break
            if _origin(next_url) != origin:
                event("roster.foreign_next_link", launch=launch.id, pages=pages)
                break
            seen.add(next_url)
            body, header = self._page(next_url, token)
            pages += 1
            members += [_member(m) for m in body.get("members") or []]
            next_url = next_link(header, next_url)
        event("roster.loaded", launch=launch.id, pages=pages, members=len(members))
        return members

    def _page(self, url: str, token: str) -> tuple[dict, str | None]:
        try:
            response = self.http.get(
                url,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": MEMBERSHIP_MEDIA_TYPE,
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise RosterUnavailable("The LMS's roster could not be reached.") from exc
        if response.status_code != 200:
            raise RosterUnavailable(
                f"The LMS refused the roster (HTTP {response.status_code})."
            )
        try:
            body = response.json()
        except ValueError:
            raise RosterUnavailable(
                "The LMS sent a roster Pathmark cannot read."
            ) from None
        if not isinstance(body, dict):
            raise RosterUnavailable("The LMS sent a roster Pathmark cannot read.")
        return body, response.headers.get("Link")


def _member(data: dict) -> Member:
    roles = data.get("roles") or []
    return Member(
        user_id=str(data.get("user_id", "")),
        name=str(data.get("name") or ""),
        roles=tuple(r for r in roles if isinstance(r, str)),
        status=str(data.get("status") or "Active"),
    )
