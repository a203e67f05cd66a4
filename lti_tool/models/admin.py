"""Tool administrators: people who set Pathmark up, outside any LMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import db, utcnow


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
