"""Platforms Pathmark is registered with: registrations and deployments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow


class Registration(db.Model):
    """One tool client on a platform, identified by ``(issuer, client_id)``.

    Canvas uses one issuer for every hosted tenant, so the issuer alone never
    identifies a registration.
    """

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    key_set_url: Mapped[str] = mapped_column(String(1024))
    # Some platforms want another audience than the token URL in assertions.
    auth_audience: Mapped[str | None] = mapped_column(String(1024))
    # Whether this platform's administrators may edit the tool-wide
    # catalogue. Dynamic Registration is open to anyone with a platform, so
    # it never sets this; a password admin (or the operator's CLI) does.
    trusted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="Deployment.id",
    )

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.issuer} {self.client_id}>"


class Deployment(db.Model):
    """A ``deployment_id`` under a registration; a platform may have many."""

    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    ACTIVE = "active"
    PENDING = "pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class PlatformKeySet(db.Model):
    """A platform's JWKS as last fetched, shared by every worker."""

    __tablename__ = "platform_key_set"

    url: Mapped[str] = mapped_column(String(1024), primary_key=True)
    keys: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last refetch forced by an unknown kid; rate-limits the next one.
    refetched_at: Mapped[datetime | None] = mapped_column()


class RegistrationAttempt(db.Model):
    """One opening of ``/lti/register``, kept for the per-address limit.

    The address is kept only as a keyed hash, and rows older than the
    limit's window are deleted as new attempts arrive.
    """

    __tablename__ = "registration_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
