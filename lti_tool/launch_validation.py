"""The launch's id_token checked as a chain of named steps.

LTI 1.3 core section 5.1.3 and the IMS Security Framework section 5.1.3.
pylti1p3 supplies the chain and the claim validators; Pathmark replaces the
steps it leaves weak: state and nonce are looked up in the database and
used once (any worker can serve the launch), the signature check verifies
audience and issuer with clock-skew leeway, the platform key set is shared
and refetched on an unknown kid, and unknown deployments follow a policy.
Each step fails with its own :class:`~lti_tool.refusals.Reason`. The rows
the steps check are read together, in one query
(:mod:`lti_tool.launch_lookup`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from pylti1p3.cookie import CookieService
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from sqlalchemy import bindparam, update
from sqlalchemy.engine import Row

from lti_tool import registration as registrations
from lti_tool.db import db, utcnow
from lti_tool.launch_lookup import LaunchRows, LoginRecord, find_launch_rows
from lti_tool.models import Deployment, LoginState, Registration
from lti_tool.platform_keys import KeySetError, PlatformKeys
from lti_tool.refusals import LaunchRefused, Reason
from lti_tool.vocab import Claim, MessageType

SUPPORTED_MESSAGES = {MessageType.RESOURCE_LINK, MessageType.DEEP_LINKING}
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512"]
# Claims whose value must be a JSON object when present.
OBJECT_CLAIMS = (Claim.RESOURCE_LINK, Claim.CONTEXT, Claim.DL_SETTINGS)

_login_table = LoginState.__table__
# Built once, so it is compiled once; a Core statement, as no loaded row
# needs syncing.
_USE_STATE = (
    update(_login_table)
    .where(_login_table.c.state == bindparam("login_state"))
    .where(_login_table.c.used_at.is_(None))
    .values(used_at=bindparam("now", type_=_login_table.c.used_at.type))
)


def _ids(body: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The ids a launch stores, read from claims already known to be objects."""
    context = body.get(Claim.CONTEXT) or {}
    link = body.get(Claim.RESOURCE_LINK) or {}
    return [
        ("user id (sub)", body.get("sub")),
        ("context id", context.get("id")),
        ("resource link id", link.get("id")),
    ]


@dataclass(frozen=True)
class LaunchPolicy:
    leeway: timedelta
    state_max_age: timedelta
    unknown_deployment: str  # "refuse" or "pending"


class FormRequest(Request):
    """The launch POST's form fields, as pylti1p3 wants to read them."""

    def __init__(self, params: Mapping[str, str], secure: bool):
        self._params = params
        self._secure = secure

    @property
    def session(self):
        return {}

    def is_secure(self) -> bool:
        return self._secure

    def get_param(self, key: str) -> str:
        return self._params.get(key, "")


class _NoCookies(CookieService):
    """Pathmark keeps state server side; pylti1p3's cookie check is unused."""

    def get_cookie(self, name):
        return None

    def set_cookie(self, name, value, exp=3600):
        pass


@dataclass
class ValidatedLaunch:
    claims: dict[str, Any]
    registration_id: int
    # The deployment's row id, not the platform's deployment_id.
    deployment_id: int
    login: LoginRecord
    # What is already stored of the person, course and link (LaunchRows).
    known: Row


class IdTokenLaunch(MessageLaunch):
    """One launch being validated; call :meth:`run`."""

    def __init__(
        self,
        params: Mapping[str, str],
        tool_conf: registrations.DatabaseToolConf,
        platform_keys: PlatformKeys,
        policy: LaunchPolicy,
        secure: bool = True,
    ):
        request = FormRequest(params, secure)
        super().__init__(
            request,
            tool_conf,
            session_service=SessionService(request),
            cookie_service=_NoCookies(),
            # Without one, pylti1p3 builds a new HTTP session per launch.
            requests_session=platform_keys.http,
        )
        self.platform_keys = platform_keys
        self.policy = policy
        self._rows: LaunchRows | None = None
        self._dep_row: int | None = None
        self._login: LoginRecord | None = None

    def _get_request_param(self, key: str) -> str:
        return self._request.get_param(key)

    def run(self) -> ValidatedLaunch:
        """Validate every step; raise LaunchRefused.

        Only reads: the caller marks the state used (:meth:`use_state`) in
        the transaction that stores the launch.
        """
        if not self._get_request_param("id_token"):
            raise LaunchRefused(Reason.MISSING_ID_TOKEN)
        if not self._get_request_param("state"):
            raise LaunchRefused(Reason.MISSING_STATE)

        self._validated = True  # read claims without pylti1p3 re-validating
        steps: list[tuple[Reason | None, Callable[[], Any]]] = [
            (Reason.BAD_TOKEN_FORMAT, self.validate_jwt_format),
            (None, self.validate_registration),
            (None, self.validate_jwt_signature),
            (None, self.validate_state),
            (None, self.validate_nonce),
            (None, self.validate_deployment),
            (None, self.validate_message),
        ]
        for reason, step in steps:
            try:
                step()
            except LaunchRefused as refusal:
                raise self._annotate(refusal) from None
            except LtiException as exc:
                raise self._annotate(
                    LaunchRefused(reason or Reason.MISSING_CLAIMS, str(exc))
                ) from None
        assert self._rows and self._dep_row and self._login
        return ValidatedLaunch(
            claims=dict(self._jwt["body"]),
            registration_id=self._rows.registration_id,
            deployment_id=self._dep_row,
            login=self._login,
            known=self._rows.known,
        )

    def _annotate(self, refusal: LaunchRefused) -> LaunchRefused:
        body = self._jwt.get("body") or {}
        aud = body.get("aud")
        refusal.issuer = refusal.issuer or str(body.get("iss", ""))[:255]
        refusal.client_id = (
            refusal.client_id
            or str(aud[0] if isinstance(aud, list) and aud else aud or "")[:255]
        )
        refusal.deployment_id = (
            refusal.deployment_id or str(body.get(Claim.DEPLOYMENT_ID, ""))[:255]
        )
        return refusal

    # The steps, in order.

    def validate_registration(self) -> IdTokenLaunch:
        body = self._jwt["body"]
        iss = body.get("iss")
        aud = body.get("aud")
        if not isinstance(iss, str) or not iss:
            raise LaunchRefused(Reason.MISSING_CLAIMS, "no iss claim")
        if isinstance(aud, list):
            # Several audiences: azp names the one meant (OIDC core 3.1.3.7).
            client_id = body.get("azp") if len(aud) > 1 else (aud or [None])[0]
            if client_id not in aud:
                raise LaunchRefused(Reason.BAD_AUDIENCE, "azp is not among aud")
        else:
            client_id = aud
        azp = body.get("azp")
        if azp is not None and azp != client_id:
            # OIDC core 3.1.3.7: a present azp must be the tool's client_id.
            raise LaunchRefused(Reason.BAD_AUDIENCE, "azp is not the client_id")
        if not isinstance(client_id, str) or not client_id:
            raise LaunchRefused(Reason.MISSING_CLAIMS, "no aud claim")

        self._rows = find_launch_rows(
            iss, client_id, self._get_request_param("state"), body
        )
        if self._rows is None:
            raise LaunchRefused(
                Reason.UNKNOWN_REGISTRATION,
                "no registration",
                shown=f"Issuer: {iss} · Client ID: {client_id}",
            )
        # pylti1p3's own Registration object is not built: it serialises the
        # tool's private key, and nothing in a launch's validation reads it.
        return self

    def validate_jwt_signature(self) -> IdTokenLaunch:
        rows = self._rows
        assert rows is not None
        header = self._jwt.get("header") or {}
        alg = header.get("alg")
        if alg not in SIGNING_ALGORITHMS:
            raise LaunchRefused(Reason.BAD_SIGNATURE, f"algorithm {alg!r} refused")
        try:
            key = self.platform_keys.key_for(
                rows.key_set_url, header.get("kid"), alg, rows.keys_fetched_at
            )
        except KeySetError as exc:
            reason = (
                Reason.JWKS_UNAVAILABLE
                if "cannot fetch" in str(exc) or "did not answer" in str(exc)
                else Reason.BAD_SIGNATURE
            )
            raise LaunchRefused(reason, str(exc)) from None

        try:
            jwt.decode(
                self._get_id_token(),
                key,
                algorithms=[alg],
                audience=rows.client_id,
                issuer=rows.issuer,
                leeway=self.policy.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]}
                if self._jwt["body"].get("sub")
                else {"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise LaunchRefused(Reason.TOKEN_EXPIRED, "exp is past") from None
        except jwt.ImmatureSignatureError as exc:
            raise LaunchRefused(Reason.TOKEN_NOT_YET_VALID, str(exc)) from None
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError) as exc:
            raise LaunchRefused(Reason.BAD_AUDIENCE, str(exc)) from None
        except (jwt.DecodeError, jwt.InvalidAlgorithmError) as exc:
            raise LaunchRefused(Reason.BAD_SIGNATURE, str(exc)) from None
        except jwt.InvalidTokenError as exc:
            # Signed, but a claim is absent or malformed (a sub that is not
            # text, an iat that is not a number): the signature is not at
            # fault. PyJWT reports a malformed exp or nbf as a DecodeError.
            raise LaunchRefused(
                Reason.MISSING_CLAIMS, str(exc), shown=str(exc)
            ) from None
        return self

    def validate_state(self) -> IdTokenLaunch:
        assert self._rows is not None
        login = self._rows.login
        if login is None:
            raise LaunchRefused(Reason.UNKNOWN_STATE, "state not found")
        if login.used_at is not None:
            raise LaunchRefused(Reason.REPLAYED_STATE, "state already used")
        if utcnow() - login.created_at > self.policy.state_max_age:
            raise LaunchRefused(Reason.STATE_EXPIRED, "state too old")
        if login.registration_id != self._rows.registration_id:
            raise LaunchRefused(
                Reason.UNKNOWN_STATE, "state belongs to another registration"
            )
        self._login = login
        return self

    def validate_nonce(self) -> IdTokenLaunch:
        nonce = self._jwt["body"].get("nonce")
        assert self._login is not None
        if not nonce:
            raise LaunchRefused(Reason.MISSING_CLAIMS, "no nonce claim")
        if nonce != self._login.nonce:
            raise LaunchRefused(Reason.NONCE_MISMATCH, "nonce differs from login")
        return self

    def validate_deployment(self) -> IdTokenLaunch:
        rows = self._rows
        assert rows is not None
        deployment_id = self._jwt["body"].get(Claim.DEPLOYMENT_ID)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchRefused(Reason.MISSING_CLAIMS, "no deployment_id claim")
        status = rows.deployment_status
        pending = self.policy.unknown_deployment == "pending"
        # Longer than LTI allows (and the column holds): refused, not recorded.
        if status is None and pending and len(deployment_id) <= 255:
            reg = db.session.get(Registration, rows.registration_id)
            assert reg is not None
            registrations.add_deployment(reg, deployment_id, Deployment.PENDING)
            db.session.commit()
            raise LaunchRefused(
                Reason.PENDING_DEPLOYMENT,
                "recorded for approval",
                shown=f"Deployment ID: {deployment_id}",
            )
        if status is None:
            raise LaunchRefused(
                Reason.UNKNOWN_DEPLOYMENT,
                "not registered",
                shown=f"Deployment ID: {deployment_id[:255]}",
            )
        if status != Deployment.ACTIVE:
            raise LaunchRefused(
                Reason.PENDING_DEPLOYMENT,
                "awaiting approval",
                shown=f"Deployment ID: {deployment_id}",
            )
        self._dep_row = rows.deployment_row
        return self

    def validate_message(self) -> IdTokenLaunch:
        body = self._jwt["body"]
        message_type = body.get(Claim.MESSAGE_TYPE)
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRefused(
                Reason.UNSUPPORTED_MESSAGE,
                f"message type {message_type!r}",
                shown=f"Message type: {message_type}",
            )
        for claim in OBJECT_CLAIMS:
            # pylti1p3 calls .get() on these: a string would raise there.
            if claim in body and not isinstance(body[claim], dict):
                name = claim.rsplit("/", 1)[-1]
                raise LaunchRefused(
                    Reason.MISSING_CLAIMS,
                    f"{name} claim is not an object",
                    shown=f"The {name} claim is not a JSON object",
                )
        for name, value in _ids(body):
            # LTI core: each is a string of at most 255 characters, what
            # the columns hold (PostgreSQL refuses a longer one).
            if value is not None and (not isinstance(value, str) or len(value) > 255):
                raise LaunchRefused(
                    Reason.MISSING_CLAIMS,
                    f"{name} is not text of at most 255 characters",
                    shown=f"The {name} is not text of at most 255 characters",
                )
        try:
            super().validate_message()
        except LtiException as exc:
            raise LaunchRefused(
                Reason.MISSING_CLAIMS, str(exc), shown=str(exc)
            ) from None
        if message_type == MessageType.DEEP_LINKING:
            settings = body.get(Claim.DL_SETTINGS) or {}
            if not settings.get("deep_link_return_url"):
                raise LaunchRefused(
                    Reason.MISSING_CLAIMS,
                    "no deep_link_return_url",
                    shown="Missing deep_link_return_url",
                )
        return self

    def use_state(self) -> None:
        """Mark the state used; only one request can win this update."""
        assert self._login is not None
        result = db.session.connection().execute(
            _USE_STATE, {"login_state": self._login.state, "now": utcnow()}
        )
        if result.rowcount != 1:
            db.session.rollback()
            raise self._annotate(
                LaunchRefused(Reason.REPLAYED_STATE, "state used concurrently")
            )
