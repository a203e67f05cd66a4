"""Login states, accepted launches and refused ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.courses import Course, Person, ResourceLink
from lti_tool.models.platforms import Deployment, Registration


class LoginState(db.Model):
    """The state and nonce of one OIDC login, used once, by any worker."""

    __tablename__ = "login_state"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE")
    )
    target_link_uri: Mapped[str] = mapped_column(String(2048), default="")
    # Where the platform offers LTI platform storage (postMessage).
    storage_target: Mapped[str | None] = mapped_column(String(255))
    storage_origin: Mapped[str | None] = mapped_column(String(1024))
    # The platform's login parameters, to retry the login in a new window.
    login_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class Launch(db.Model):
    """An accepted launch: who, where, as what, with the validated claims."""

    __tablename__ = "launch"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("deployment.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE")
    )
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    message_type: Mapped[str] = mapped_column(String(64))
    course_role: Mapped[str] = mapped_column(String(16))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set when the browser still has to prove it started the login
    # (cookies withheld, platform storage check pending).
    pending_state: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    registration: Mapped[Registration] = relationship()
    deployment: Mapped[Deployment] = relationship()
    person: Mapped[Person] = relationship()
    course: Mapped[Course | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()


class LaunchRefusal(db.Model):
    """A refused login or launch, kept so an admin can fix a set-up."""

    __tablename__ = "launch_refusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), index=True)
    issuer: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[str] = mapped_column(Text, default="")
    deployment_id: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
