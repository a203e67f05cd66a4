"""Drafts of the authoring form, and the version each edit started from.

A draft keeps the form's values exactly as typed, the hidden base fields
among them, so a resumed edit still knows which version it began from and
publishing can notice a version published since (``authoring_rebase``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lti_tool import authoring_form, authoring_rebase, catalogue
from lti_tool.db import db
from lti_tool.models import CredentialDraft, CredentialVersion
from lti_tool.models.catalogue import TOOL_SCOPE, course_scope


def scope(course_id: int | None) -> str:
    """The catalogue scope a person edits: tool-wide, or one course's."""
    return TOOL_SCOPE if course_id is None else course_scope(course_id)


def find(key: str, course_id: int | None) -> CredentialDraft | None:
    return db.session.scalar(
        select(CredentialDraft).where(
            CredentialDraft.scope == scope(course_id), CredentialDraft.key == key
        )
    )


def listed(course_id: int | None) -> list[CredentialDraft]:
    return list(
        db.session.scalars(
            select(CredentialDraft)
            .where(CredentialDraft.scope == scope(course_id))
            .order_by(CredentialDraft.key)
        )
    )


def save(
    key: str, values: dict[str, Any], course_id: int | None, person_id: int | None
) -> CredentialDraft:
    """Keep the form's values as the draft for ``key``; the caller commits."""
    draft = find(key, course_id)
    if draft is None:
        based_on = catalogue.credential(key, course_id)
        draft = CredentialDraft(
            key=key,
            scope=scope(course_id),
            course_id=course_id,
            based_on_id=based_on.id if based_on is not None else None,
        )
        db.session.add(draft)
    draft.values = values
    draft.updated_by_id = person_id
    db.session.flush()
    return draft


def newer_version(
    values: dict[str, Any], key: str, course_id: int | None
) -> CredentialVersion | None:
    """The version published under ``key`` since this edit began, if any."""
    row = catalogue.credential(key, course_id)
    if row is None:
        return None
    current = catalogue.current_of(row)
    if authoring_rebase.is_stale(values, current.id, current.digest):
        return current
    return None


def rebased(
    values: dict[str, Any], newer: CredentialVersion
) -> tuple[authoring_rebase.Rebased, CredentialVersion | None]:
    """This edit laid over ``newer``, and the version it started from."""
    base = catalogue.version(values.get("base_version"))
    base_values = authoring_form.values_from_data(base.definition) if base else {}
    theirs = authoring_form.values_from_data(newer.definition)
    return authoring_rebase.rebase(values, base_values, theirs), base
