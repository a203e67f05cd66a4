"""Real launches through the fake platform, returning the page's launch id
and session token, as a browser inside an LMS iframe would hold them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from lti_tool.vocab import SYSTEM, Claim, ContextRole

ADMIN = f"{SYSTEM}#Administrator"


def launch_as(platform, client, *roles: str, **overrides) -> tuple[str, str]:
    """Launch with these roles; return (launch id, ``lt`` token)."""
    response, _, _ = platform.launch(
        client, **{Claim.ROLES: list(roles) or [ContextRole.LEARNER.value]}, **overrides
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    launch_id = location.path.rstrip("/").split("/")[-1]
    token = parse_qs(location.query)["lt"][0]
    return launch_id, token


def staff(platform, client, **overrides) -> tuple[str, str]:
    return launch_as(platform, client, ContextRole.INSTRUCTOR.value, **overrides)


def admin(platform, client, **overrides) -> tuple[str, str]:
    return launch_as(platform, client, ContextRole.INSTRUCTOR.value, ADMIN, **overrides)


def learner(platform, client, **overrides) -> tuple[str, str]:
    return launch_as(platform, client, ContextRole.LEARNER.value, **overrides)
