"""The sandbox's LTI platform side, on the ``lti1p3platform`` package.

``lti1p3platform`` builds the login initiation, the launch messages (with
the AGS, NRPS and deep linking claims) and the access tokens. It is lenient
where a real LMS is not: it reads tool JWTs without checking ``aud``,
caches the tool's key set forever and accepts any ``jti`` again. The
classes here keep its message building and add the checks a strict
platform makes, so Pathmark is tested against a peer that says no.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from flask import Response, redirect, render_template
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest

from lti_tool.sandbox.lms import Link, Person, PlatformKey, SandboxLMS
from lti_tool.vocab import CONTEXT_TYPE_COURSE, Claim

# Seconds of clock difference the sandbox tolerates in tool JWTs.
LEEWAY = 5
ID_TOKEN_LIFETIME = 300
STORAGE_FRAME = "post_message_forwarding"


class ToolJwtError(ValueError):
    """A JWT from the tool failed a check; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


@dataclass
class Tamper:
    """A one-shot change to the next id_token, for tests of Pathmark's refusals.

    ``claims`` are merged into the message (a ``None`` value removes the
    claim); ``key`` signs it instead of the platform's current key, under
    the current key's kid unless ``kid`` says otherwise.
    """

    claims: dict[str, Any] = field(default_factory=dict)
    key: PlatformKey | None = None
    kid: str | None = None


class ToolKeys:
    """The tool's JWKS, fetched from its URL, refetched once on an unknown kid."""

    def __init__(self, url: str, http: requests.Session | None = None):
        self.url = url
        self.http = http or requests.Session()
        self._keys: dict[str, Any] = {}
        self._raw: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.fetches = 0

    def _fetch(self) -> None:
        try:
            response = self.http.get(self.url, timeout=5)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            raise ToolJwtError(f"cannot read the tool's JWKS at {self.url}") from exc
        parsed, raw = {}, []
        for jwk in keys:
            if isinstance(jwk, dict) and jwk.get("kid") and jwk.get("kty") == "RSA":
                try:
                    parsed[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256")
                except jwt.PyJWKError:
                    continue
                raw.append(jwk)
        with self._lock:
            self._keys = parsed
            self._raw = raw
            self.fetches += 1

    def key_for(self, kid: object) -> jwt.PyJWK:
        if not isinstance(kid, str) or not kid:
            raise ToolJwtError("the JWT header names no kid")
        with self._lock:
            key = self._keys.get(kid)
        if key is None:
            self._fetch()
            with self._lock:
                key = self._keys.get(kid)
        if key is None:
            raise ToolJwtError(f"the tool's JWKS has no key {kid!r}")
        return key

    def key_set(self) -> dict[str, Any]:
        if not self._keys:
            self._fetch()
        with self._lock:
            return {"keys": list(self._raw)}


class SandboxRegistration(Registration):
    """The registration of Pathmark in the sandbox, keys read from the LMS."""

    def __init__(self, lms: SandboxLMS, tamper: Tamper | None = None):
        self.lms = lms
        self.tamper = tamper
        tool = lms.tool_url
        self.set_iss(lms.issuer)
        self.set_client_id(lms.client_id)
        self.set_deployment_id(lms.deployment_id)
        self.set_oidc_login_url(f"{tool}/lti/login")
        self.set_launch_url(f"{tool}/lti/launch")
        self.set_deeplink_launch_url(f"{tool}/lti/launch")
        self.set_tool_key_set_url(f"{tool}/lti/jwks")

    def get_platform_private_key(self) -> str:
        return self.lms.current_key.private_pem()

    def get_platform_public_key(self) -> str:
        return self.lms.current_key.public_pem()

    def get_kid(self) -> str:
        return self.lms.current_key.kid

    def get_jwks(self) -> list[dict[str, Any]]:
        return self.lms.jwks()["keys"]

    def platform_encode_and_sign(
        self, payload: dict[str, Any], expiration: int | None = None
    ) -> str:
        """Sign an id_token: current key and kid, unless a tamper says other."""
        now = int(time.time())
        payload = dict(payload, iat=now, exp=now + (expiration or ID_TOKEN_LIFETIME))
        tamper = self.tamper or Tamper()
        for name, value in tamper.claims.items():
            if value is None:
                payload.pop(name, None)
            else:
                payload[name] = value
        key = tamper.key or self.lms.current_key
        kid = tamper.kid or self.lms.current_key.kid
        return jwt.encode(
            payload, key.private_key, algorithm="RS256", headers={"kid": kid}
        )


class SandboxPlatformConf(LTI1P3PlatformConfAbstract):
    """Platform configuration with strict checks on every tool JWT."""

    def init_platform_config(self, **kwargs: Any) -> None:
        self.lms: SandboxLMS = kwargs["lms"]
        self.tool_keys: ToolKeys = kwargs["tool_keys"]
        self.tamper: Tamper | None = kwargs.get("tamper")

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return SandboxRegistration(self.lms, self.tamper)

    def get_tool_key_set(self):  # type: ignore[override]
        return self.tool_keys.key_set()

    def get_tool_public_key(self) -> bytes:
        header = self._jwt.get("header") or {}
        if header.get("alg") != "RS256":
            raise ToolJwtError(f"algorithm {header.get('alg')!r} is not accepted")
        key = self.tool_keys.key_for(header.get("kid"))
        return key.key  # type: ignore[return-value]

    def verify_tool_jwt(
        self, token: str, *, audience: str | list[str], require: list[str]
    ) -> dict[str, Any]:
        """Signature against the tool's JWKS, ``iss`` the client_id, ``aud``."""
        if not isinstance(token, str) or token.count(".") != 2:
            raise ToolJwtError("not a JWT", 400)
        try:
            self.validate_jwt_format(token)
            key = self.get_tool_public_key()
            return jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=audience,
                issuer=self.lms.client_id,
                leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", *require]},
            )
        except ToolJwtError:
            raise
        except jwt.InvalidAudienceError:
            raise ToolJwtError("the JWT's aud is not this platform") from None
        except jwt.InvalidIssuerError:
            raise ToolJwtError("the JWT's iss is not the client_id") from None
        except jwt.InvalidTokenError as exc:
            raise ToolJwtError(f"JWT refused: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - lti1p3platform's own errors
            raise ToolJwtError(f"JWT unreadable: {exc.__class__.__name__}") from None


class FlaskRequest(Request):
    """A Flask request as lti1p3platform reads it."""

    # Query parameters its service handlers pass on as keyword arguments.
    NUMBERS = ("page", "limit")

    def __init__(self, request: Any, allowed_query: tuple[str, ...] = ()):
        self._allowed = allowed_query
        super().__init__(request)

    def build_metadata(self, request: Any) -> TRequest:
        query: dict[str, Any] = {}
        for name, value in request.args.items():
            if self._allowed and name not in self._allowed:
                continue
            if name in self.NUMBERS:
                if not value.isdigit() or int(value) < 1:
                    continue  # a bad page or limit reads as none given
                query[name] = int(value)
            else:
                query[name] = value
        body = None
        if request.data:
            try:
                body = json.loads(request.data)
            except ValueError:
                body = None
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": query,
            "headers": request.headers,
            "content_type": request.mimetype,
            "path": request.path,
            "json": body,
        }


class SandboxLogin(OIDCLoginAbstract):
    """Third-party initiated login, with the platform storage target."""

    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Response:
        return redirect(url, code=302)

    def login_url(self, user_id: str, storage: bool) -> str:
        url = self.prepare_preflight_url(user_id)
        if storage:
            url += "&lti_storage_target=" + STORAGE_FRAME
        return url


class SandboxLaunch(LTIAdvantageMessageLaunchAbstract):
    """One resource link or deep linking launch, as an auto-posted form."""

    def __init__(
        self,
        request: FlaskRequest,
        conf: SandboxPlatformConf,
        *,
        person: Person,
        link: Link | None,
        urls: Mapping[str, str],
        deep_link_data: str | None = None,
        multiple: bool = True,
    ):
        super().__init__(request, conf)
        self.lms = conf.lms
        self.person = person
        self.link = link
        self.urls = urls
        self.deep_link_data = deep_link_data
        self.multiple = multiple
        self.set_id_token_expiration(ID_TOKEN_LIFETIME)

    def prepare_launch(self, preflight_response: dict[str, Any]) -> None:
        lms, person = self.lms, self.person
        self.set_user_data(
            person.user_id, list(person.roles), person.name, person.email
        )
        self.set_launch_context_claim(
            lms.course_id, [CONTEXT_TYPE_COURSE], lms.course_title, "ENG-101"
        )
        self.set_launch_presentation_claim("iframe", self.urls["return"])
        self.set_extra_claims(
            {
                "given_name": person.given_name,
                "family_name": person.family_name,
                Claim.TOOL_PLATFORM.value: {
                    "guid": "pathmark-sandbox",
                    "name": "Sandbox LMS",
                    "url": lms.issuer,
                    "product_family_code": "sandbox",
                },
            }
        )
        self.set_nrps(self.urls["memberships"])
        if self.link is None:
            self.set_dl(
                self.urls["deep_link_return"],
                title="Add an activity",
                accept_types={"ltiResourceLink"},
            )
            settings = self._deep_linking_launch_data[Claim.DL_SETTINGS.value]
            settings["data"] = self.deep_link_data
            settings["accept_multiple"] = self.multiple
            settings["auto_create"] = False
            self.set_ags(self.urls["lineitems"])
            return
        link = self.link
        self.set_resource_link_claim(link.link_id, title=link.title)
        custom = dict(link.custom or {})
        if "relaunch" in self.urls:
            custom["relaunch_url"] = self.urls["relaunch"]
        if custom:
            self.set_custom_parameters_claim(custom)
        lineitem = None
        if link.lineitem_id:
            lineitem = f"{self.urls['lineitems']}/{link.lineitem_id}"
        self.set_ags(self.urls["lineitems"], lineitem)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any):
        return render_template(
            "sandbox/autopost.html",
            action=launch_data["launch_url"],
            fields={"id_token": launch_data["id_token"], "state": launch_data["state"]},
            note="Launching Pathmark…",
        )
