"""What Pathmark asks of a platform, in one place, for every way to set up.

Dynamic Registration, the Canvas developer-key JSON and the values listed
for a manual set-up all read the same URLs, scopes, claims, placements and
custom parameters from here, so they never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lti_tool.vocab import MessageType, Scope

TOOL_NAME = "Pathmark"
DESCRIPTION = (
    "Evidence-based micro-credentials: learners hand in evidence, mentors "
    "score it on a mastery rubric, the gradebook gets the score and "
    "mastery earns an Open Badge."
)
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS_PLATFORM = "canvas.instructure.com"
CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
# Mentors see learners' names; Open Badges 2.0 recipients need the email.
PRIVACY_LEVEL = "public"

# AGS for the gradebook column and scores, NRPS for the mentor's roster.
SCOPES = (
    Scope.LINEITEM.value,
    Scope.LINEITEM_READONLY.value,
    Scope.RESULT_READONLY.value,
    Scope.SCORE.value,
    Scope.NRPS_READONLY.value,
)

# Pathmark keys people on sub; names are shown to mentors; the email is
# only the recipient of Open Badges 2.0 assertions (hashed).
CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")

# Variables every LTI 1.3 platform substitutes.
CUSTOM_PARAMETERS = {
    "context_id_history": "$Context.id.history",
    "resource_link_id_history": "$ResourceLink.id.history",
}

# Canvas substitutes its own variables only when asked for them as custom
# parameters. Pathmark asks for the one it reads: the assignment's due date,
# for the late flag (lti_tool/deadlines.py). It does not call Canvas's API,
# so Canvas's user, course and assignment ids are not asked for.
CANVAS_CUSTOM_PARAMETERS = {
    "due_at": "$Canvas.assignment.dueAt.iso8601",
}

# Where the teacher picks a credential (deep linking) in Canvas; other
# platforms ignore placement names they do not know.
DEEP_LINKING_PLACEMENTS = ("assignment_selection", "link_selection")
DEEP_LINKING_LABEL = "Add a Pathmark credential"
RESOURCE_LINK_LABEL = "Pathmark"

# Services the administrator turns on where Dynamic Registration is not used.
SERVICES = (
    (
        "IMS LTI Assignment and Grade Services",
        "Use this service for grade sync and column management",
    ),
    (
        "IMS LTI Names and Role Provisioning",
        "Use this service to retrieve members' information",
    ),
    ("Tool Settings", "Do not use this service"),
    ("Supports Deep Linking (Content-Item Message)", "Yes"),
)


@dataclass(frozen=True)
class ToolUrls:
    """Pathmark's public URLs, built from ``base_url`` (no trailing slash)."""

    base_url: str

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def launch(self) -> str:
        return f"{self.base_url}/lti/launch"

    @property
    def login(self) -> str:
        return f"{self.base_url}/lti/login"

    @property
    def jwks(self) -> str:
        return f"{self.base_url}/lti/jwks"

    @property
    def register(self) -> str:
        return f"{self.base_url}/lti/register"

    @property
    def canvas_config(self) -> str:
        return f"{self.base_url}/lti/config.json"

    @property
    def logo(self) -> str:
        return f"{self.base_url}/static/pathmark-logo.svg"

    @property
    def redirect_uris(self) -> list[str]:
        return [self.launch]


def custom_parameters(
    canvas: bool, variables: tuple[str, ...] | None = None
) -> dict[str, str]:
    """The custom parameters to ask for; Canvas's own only from Canvas.

    With ``variables`` (the platform's list of supported substitutions),
    parameters it cannot substitute are left out, since it would send the
    literal ``$Name`` instead.
    """
    params = dict(CUSTOM_PARAMETERS)
    if canvas:
        params.update(CANVAS_CUSTOM_PARAMETERS)
    if variables is not None:
        known = set(variables)
        params = {k: v for k, v in params.items() if v.lstrip("$") in known}
    return params


def messages(urls: ToolUrls) -> list[dict[str, Any]]:
    """The ``messages`` of the tool configuration (LTI DR 1.0, 3.3.2)."""
    return [
        {
            "type": MessageType.DEEP_LINKING.value,
            "target_link_uri": urls.launch,
            "label": DEEP_LINKING_LABEL,
            "icon_uri": urls.logo,
            "placements": list(DEEP_LINKING_PLACEMENTS),
        },
        {
            "type": MessageType.RESOURCE_LINK.value,
            "target_link_uri": urls.launch,
            "label": RESOURCE_LINK_LABEL,
            "icon_uri": urls.logo,
        },
    ]


def canvas_developer_key(urls: ToolUrls) -> dict[str, Any]:
    """Canvas's developer-key JSON ("Enter URL" or "Paste JSON")."""
    placements = [
        {
            "placement": placement,
            "message_type": MessageType.DEEP_LINKING.value,
            "target_link_uri": urls.launch,
            "text": DEEP_LINKING_LABEL,
            "icon_url": urls.logo,
            "selection_width": 800,
            "selection_height": 600,
        }
        for placement in DEEP_LINKING_PLACEMENTS
    ]
    return {
        "title": TOOL_NAME,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(SCOPES),
        "extensions": [
            {
                "platform": CANVAS_PLATFORM,
                "domain": urls.domain,
                "tool_id": "pathmark",
                "privacy_level": PRIVACY_LEVEL,
                "settings": {
                    "text": TOOL_NAME,
                    "icon_url": urls.logo,
                    "placements": placements,
                },
            }
        ],
        "custom_fields": custom_parameters(canvas=True),
    }


def manual_values(urls: ToolUrls) -> list[tuple[str, str]]:
    """Each field an LMS asks for in a manual set-up, with its value."""
    custom = "\n".join(f"{k}={v}" for k, v in CUSTOM_PARAMETERS.items())
    return [
        ("Tool URL", urls.launch),
        ("LTI version", "LTI 1.3"),
        ("Public key type", "Keyset URL"),
        ("Public keyset URL", urls.jwks),
        ("Initiate login URL", urls.login),
        ("Redirection URI(s)", "\n".join(urls.redirect_uris)),
        ("Content Selection URL (Deep Linking)", urls.launch),
        ("Custom parameters", custom),
        ("Dynamic Registration URL", urls.register),
        ("Canvas developer-key JSON URL", urls.canvas_config),
    ]
