"""Raw media expiry: the bytes go, the digest, receipt and results stay.

The clock starts when the assessment is final (``Submission.final_at``, set
by the assessment area). A stored object is deleted only when no artefact
still within its retention time shares it (same content, same key).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import Artefact, Submission
from lti_tool.storage import ArtefactStore


def expire_media(
    store: ArtefactStore, keep: timedelta, now: datetime | None = None
) -> int:
    cutoff = (now or utcnow()) - keep
    due = db.session.scalars(
        select(Artefact)
        .join(Submission, Artefact.submission_id == Submission.id)
        .where(
            Submission.final_at.is_not(None),
            Submission.final_at < cutoff,
            Artefact.media_expired_at.is_(None),
        )
    ).all()
    stamp = now or utcnow()
    for artefact in due:
        artefact.media_expired_at = stamp
    db.session.flush()
    for key in {a.storage_key for a in due}:
        still_kept = db.session.scalar(
            select(Artefact.id).where(
                Artefact.storage_key == key, Artefact.media_expired_at.is_(None)
            )
        )
        if still_kept is None:
            store.delete(key)
    for artefact in due:
        event("evidence.media_expired", artefact=artefact.id)
    return len(due)
