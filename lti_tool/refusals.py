"""Why a login or launch was refused, and what the person should do next.

Each reason has an HTTP status and a sentence for the person in front of
the page (a learner, a teacher or an LMS admin). The technical detail goes
to the log and to the admin's list of recent refusals, never to learners
as a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ASK_ADMIN = "Ask your LMS administrator to check Pathmark's registration."
REOPEN = "Go back to your course and open the activity again."


class Reason(StrEnum):
    LOGIN_PARAMS_MISSING = "login_params_missing"
    LOGIN_PARAMS_TOO_LONG = "login_params_too_long"
    BAD_TARGET = "bad_target_link_uri"
    UNKNOWN_REGISTRATION = "unknown_registration"
    AMBIGUOUS_REGISTRATION = "ambiguous_registration"
    UNKNOWN_DEPLOYMENT = "unknown_deployment"
    PENDING_DEPLOYMENT = "pending_deployment"
    MISSING_ID_TOKEN = "missing_id_token"
    MISSING_STATE = "missing_state"
    BAD_TOKEN_FORMAT = "bad_token_format"
    BAD_SIGNATURE = "bad_signature"
    JWKS_UNAVAILABLE = "jwks_unavailable"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_NOT_YET_VALID = "token_not_yet_valid"
    BAD_AUDIENCE = "bad_audience"
    UNKNOWN_STATE = "unknown_state"
    STATE_EXPIRED = "state_expired"
    REPLAYED_STATE = "replayed_state"
    NONCE_MISMATCH = "nonce_mismatch"
    BROWSER_MISMATCH = "browser_mismatch"
    PLATFORM_ERROR = "platform_error"
    UNSUPPORTED_MESSAGE = "unsupported_message"
    MISSING_CLAIMS = "missing_claims"
    SESSION_EXPIRED = "session_expired"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Advice:
    status: int
    title: str
    action: str


ADVICE: dict[Reason, Advice] = {
    Reason.LOGIN_PARAMS_MISSING: Advice(
        400,
        "The LMS did not send what Pathmark needs to start",
        "The login request lacked an issuer or a login hint. " + ASK_ADMIN,
    ),
    Reason.LOGIN_PARAMS_TOO_LONG: Advice(
        400,
        "The LMS sent a login request too large to be real",
        "A login hint was longer than Pathmark accepts. " + ASK_ADMIN,
    ),
    Reason.BAD_TARGET: Advice(
        400,
        "The LMS asked for a page outside Pathmark",
        "The target link URI must be on Pathmark's own address. " + ASK_ADMIN,
    ),
    Reason.UNKNOWN_REGISTRATION: Advice(
        404,
        "Pathmark does not know this LMS",
        "No registration matches this issuer and client ID. An administrator "
        "can add it with `lti-tool platform add` or Dynamic Registration.",
    ),
    Reason.AMBIGUOUS_REGISTRATION: Advice(
        400,
        "The LMS did not say which registration to use",
        "Several registrations share this issuer, so the login request must "
        "carry a client_id. " + ASK_ADMIN,
    ),
    Reason.UNKNOWN_DEPLOYMENT: Advice(
        403,
        "This installation of Pathmark is not approved",
        "The deployment ID is not registered in Pathmark. An administrator can "
        "add it with `lti-tool platform add --deployment-id`.",
    ),
    Reason.PENDING_DEPLOYMENT: Advice(
        403,
        "This installation of Pathmark is waiting for approval",
        "Pathmark recorded the new deployment; a tool administrator must "
        "approve it before it can be used.",
    ),
    Reason.MISSING_ID_TOKEN: Advice(
        400,
        "The LMS sent no launch token",
        "The launch request had no id_token. " + REOPEN,
    ),
    Reason.MISSING_STATE: Advice(
        400,
        "The launch is incomplete",
        "The launch request had no state. " + REOPEN,
    ),
    Reason.BAD_TOKEN_FORMAT: Advice(
        400,
        "The launch token could not be read",
        "The id_token is not a well-formed JWT. " + ASK_ADMIN,
    ),
    Reason.BAD_SIGNATURE: Advice(
        401,
        "The launch could not be verified",
        "Its signature does not match the LMS's published keys. " + ASK_ADMIN,
    ),
    Reason.JWKS_UNAVAILABLE: Advice(
        401,
        "The LMS's keys could not be fetched",
        "Pathmark could not read the platform's key set. Try again in a "
        "minute; if it persists, " + ASK_ADMIN[0].lower() + ASK_ADMIN[1:],
    ),
    Reason.TOKEN_EXPIRED: Advice(
        401,
        "The launch has expired",
        "Launch tokens are valid for a few minutes only. " + REOPEN,
    ),
    Reason.TOKEN_NOT_YET_VALID: Advice(
        401,
        "The launch is dated in the future",
        "The LMS's clock is ahead of Pathmark's by more than the allowed "
        "leeway. " + ASK_ADMIN,
    ),
    Reason.BAD_AUDIENCE: Advice(
        401,
        "The launch was meant for another tool",
        "The token's audience is not Pathmark's client ID. " + ASK_ADMIN,
    ),
    Reason.UNKNOWN_STATE: Advice(
        403,
        "This launch was not started by Pathmark",
        "Pathmark has no record of this login. " + REOPEN,
    ),
    Reason.STATE_EXPIRED: Advice(
        403,
        "The launch took too long",
        "The login started too long ago. " + REOPEN,
    ),
    Reason.REPLAYED_STATE: Advice(
        403,
        "This launch was already used",
        "Each launch works once. " + REOPEN,
    ),
    Reason.NONCE_MISMATCH: Advice(
        403,
        "This launch does not belong to this login",
        "The token's nonce does not match the login Pathmark started. " + REOPEN,
    ),
    Reason.BROWSER_MISMATCH: Advice(
        403,
        "This launch was started in another browser window",
        REOPEN,
    ),
    Reason.PLATFORM_ERROR: Advice(
        400,
        "The LMS could not complete the launch",
        "Sign in to your LMS again, then open the activity from the course.",
    ),
    Reason.UNSUPPORTED_MESSAGE: Advice(
        400,
        "Pathmark cannot handle this kind of launch",
        "Pathmark accepts resource link and deep linking launches. " + ASK_ADMIN,
    ),
    Reason.MISSING_CLAIMS: Advice(
        400,
        "The launch is missing information Pathmark needs",
        ASK_ADMIN,
    ),
    Reason.SESSION_EXPIRED: Advice(
        401,
        "Your Pathmark session has ended",
        "For your privacy, Pathmark pages stop working a while after you "
        "open them. " + REOPEN,
    ),
    Reason.NOT_ALLOWED: Advice(
        403,
        "This page is not for your role",
        "Your course role does not give access to this page.",
    ),
}


class LaunchRefused(Exception):
    """A refusal with its reason; ``detail`` is for logs and admins only."""

    def __init__(
        self,
        reason: Reason,
        detail: str = "",
        *,
        issuer: str = "",
        client_id: str = "",
        deployment_id: str = "",
        shown: str = "",
    ):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.issuer = issuer
        self.client_id = client_id
        self.deployment_id = deployment_id
        # Extra words safe to show the person (e.g. what arrived).
        self.shown = shown

    @property
    def advice(self) -> Advice:
        return ADVICE[self.reason]
