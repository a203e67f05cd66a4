"""Registrations and deployments: stored, found, and offered to pylti1p3.

A registration is found by ``(issuer, client_id)``, never by issuer alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration as LtiRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from lti_tool.db import db
from lti_tool.keys import KeyRing
from lti_tool.models import Deployment, Registration
from lti_tool.public_address import AddressPolicy, AddressRefused


class RegistrationError(ValueError):
    """A registration cannot be added or changed as asked."""


class EndpointRefused(RegistrationError):
    """An endpoint Pathmark would call resolves to an address it may not reach."""


@dataclass(frozen=True)
class PlatformEndpoints:
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str | None = None
    name: str = ""


def _check_url(label: str, url: str) -> None:
    if not url.startswith(("https://", "http://")):
        raise RegistrationError(f"{label} must be an http(s) URL, not {url!r}")


def add_platform(
    endpoints: PlatformEndpoints,
    deployment_ids: Iterable[str] = (),
    policy: AddressPolicy | None = None,
    trusted: bool = True,
) -> Registration:
    """Create a registration, or update its endpoints; add deployments.

    ``trusted`` applies to a new registration only (see
    ``Registration.trusted``); updating endpoints never changes it.

    With a ``policy``, the endpoints Pathmark will call itself (token and
    key set) must resolve to addresses it permits; the login URL is only
    ever a redirect for the learner's browser.
    """
    if not endpoints.issuer or not endpoints.client_id:
        raise RegistrationError("issuer and client_id are both required")
    for label, url in (
        ("--auth-url", endpoints.auth_login_url),
        ("--token-url", endpoints.auth_token_url),
        ("--jwks-url", endpoints.key_set_url),
    ):
        _check_url(label, url)
    if policy is not None:
        for label, url in (
            ("token_endpoint (--token-url)", endpoints.auth_token_url),
            ("jwks_uri (--jwks-url)", endpoints.key_set_url),
        ):
            try:
                # A name that does not resolve yet is kept: every call to it
                # passes the same check at connect time.
                policy.check_url(url, unresolved_ok=True)
            except AddressRefused as exc:
                raise EndpointRefused(
                    f"{label} is refused: {exc}. Pathmark only calls public "
                    "addresses unless registration_allowed_networks lists them."
                ) from None

    reg = find_registration(endpoints.issuer, endpoints.client_id)
    if reg is None:
        reg = Registration(
            issuer=endpoints.issuer, client_id=endpoints.client_id, trusted=trusted
        )
        db.session.add(reg)
    reg.name = endpoints.name or reg.name or endpoints.issuer
    reg.auth_login_url = endpoints.auth_login_url
    reg.auth_token_url = endpoints.auth_token_url
    reg.key_set_url = endpoints.key_set_url
    reg.auth_audience = endpoints.auth_audience
    db.session.flush()

    for deployment_id in deployment_ids:
        add_deployment(reg, deployment_id, Deployment.ACTIVE)
    return reg


def add_deployment(reg: Registration, deployment_id: str, status: str) -> Deployment:
    dep = find_deployment(reg, deployment_id)
    if dep is None:
        dep = Deployment(registration=reg, deployment_id=deployment_id, status=status)
        db.session.add(dep)
    elif status == Deployment.ACTIVE:
        dep.status = Deployment.ACTIVE
    db.session.flush()
    return dep


def find_registration(issuer: str, client_id: str | None) -> Registration | None:
    if not issuer or not client_id:
        return None
    return db.session.scalar(
        select(Registration).where(
            Registration.issuer == issuer, Registration.client_id == client_id
        )
    )


def registrations_for_issuer(issuer: str) -> list[Registration]:
    return list(
        db.session.scalars(select(Registration).where(Registration.issuer == issuer))
    )


def find_deployment(reg: Registration, deployment_id: str) -> Deployment | None:
    return db.session.scalar(
        select(Deployment).where(
            Deployment.registration_id == reg.id,
            Deployment.deployment_id == deployment_id,
        )
    )


def list_registrations() -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration).order_by(Registration.issuer, Registration.client_id)
        )
    )


def remove_platform(issuer: str, client_id: str) -> bool:
    reg = find_registration(issuer, client_id)
    if reg is None:
        return False
    db.session.delete(reg)
    db.session.flush()
    return True


def to_lti_registration(reg: Registration, keyring: KeyRing) -> LtiRegistration:
    """The pylti1p3 view of a stored registration, with the current tool key."""
    key = keyring.current()
    lti = LtiRegistration()
    lti.set_issuer(reg.issuer)
    lti.set_client_id(reg.client_id)
    lti.set_auth_login_url(reg.auth_login_url)
    lti.set_auth_token_url(reg.auth_token_url)
    lti.set_key_set_url(reg.key_set_url)
    if reg.auth_audience:
        lti.set_auth_audience(reg.auth_audience)
    lti.set_tool_private_key(key.private_pem())
    return lti


class DatabaseToolConf(ToolConfAbstract):
    """pylti1p3 tool configuration backed by the registration tables.

    Every issuer is treated as having many client ids, so lookups always use
    ``(issuer, client_id)``.
    """

    def __init__(self, keyring: KeyRing):
        super().__init__()
        self.keyring = keyring

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        raise RegistrationError(
            "registrations are found by issuer and client_id together"
        )

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        reg = find_registration(iss, client_id)
        return to_lti_registration(reg, self.keyring) if reg else None

    def find_deployment(self, iss, deployment_id):
        raise RegistrationError(
            "deployments are found by issuer, client_id and deployment_id"
        )

    def find_deployment_by_params(self, iss, deployment_id, client_id, *a, **kw):
        reg = find_registration(iss, client_id)
        dep = find_deployment(reg, deployment_id) if reg else None
        if dep is None or dep.status != Deployment.ACTIVE:
            return None
        return LtiDeployment().set_deployment_id(dep.deployment_id)

    def get_jwks(self, iss=None, client_id=None, **kwargs):
        return self.keyring.jwks()
