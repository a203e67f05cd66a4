"""Comment bank entries that staff add for their course.

The entries drawn from the catalogue's feedback scripts are not stored:
``lti_tool.comment_bank`` derives them from the exact credential version,
so they always match the rubric being scored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db import db, utcnow


class CommentEntry(db.Model):
    """One staff-written comment for a criterion at a level, in one course."""

    __tablename__ = "comment_bank_entry"
    __table_args__ = (Index(None, "course_id", "credential_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    credential_key: Mapped[str] = mapped_column(String(100))
    criterion_id: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
