"""Tool administrators: people who set Pathmark up, outside any LMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.courses import Person
from lti_tool.models.platforms import Registration


class AdminUser(db.Model):
    """An admin account, created with ``lti-tool admin create``.

    Only a werkzeug password hash is kept. ``session_version`` changes with
    every new password or disabling, which ends the sessions started before.
    After ``admin_access.MAX_FAILED_SIGN_INS`` wrong passwords in a row the
    account refuses every password until ``locked_until``.
    """

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Wrong passwords in a row; at the limit the account locks for a while.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<AdminUser {self.id} {self.username}>"


class AdminLaunchSession(db.Model):
    """An admin session opened from a launch with the platform's admin role.

    One row per redeemed ticket: ``ticket`` is unique, so a ticket used a
    second time (a replay) cannot start another session. The session only
    reaches the registration the launch came from.
    """

    __tablename__ = "admin_launch_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(64), unique=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    launch_id: Mapped[str | None] = mapped_column(
        ForeignKey("launch.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()

    registration: Mapped[Registration] = relationship()
    person: Mapped[Person] = relationship()


class AdminBootstrap(db.Model):
    """The one-time way in printed by the first ``lti-tool init``.

    A single row (id 1) ever exists, so the code is issued once; only its
    SHA-256 is kept. It stops working once used or expired.
    """

    __tablename__ = "admin_bootstrap"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
