"""Each mentor's tally for the moderation sample, kept in the database.

``moderation.pick`` decides from a mentor's tally on a credential (how many
of their decisions the random share could pick, and how many it did);
this module reads that tally and records each decision in it, so the
configured share holds per mentor rather than only over everyone. The
tally is per course, so one mentor's work in two courses is sampled in
each course on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lti_tool import moderation
from lti_tool.credentials import CredentialDefinition
from lti_tool.db import db
from lti_tool.models import SamplingTally


def tally_row(course_id: int, key: str, assessor_id: int) -> SamplingTally:
    """The mentor's tally on one credential, locked for this transaction.

    Created empty the first time; when two first decisions race, the one
    that loses the insert reads the row the other made.
    """
    query = (
        select(SamplingTally)
        .where(
            SamplingTally.course_id == course_id,
            SamplingTally.credential_key == key,
            SamplingTally.assessor_id == assessor_id,
        )
        .with_for_update()
    )
    row = db.session.scalar(query)
    if row is not None:
        return row
    row = SamplingTally(
        course_id=course_id,
        credential_key=key,
        assessor_id=assessor_id,
        seen=0,
        picked=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return db.session.scalars(query).one()
    return row


def pick_and_count(
    definition: CredentialDefinition,
    levels: Mapping[str, int],
    draw: float,
    *,
    course_id: int,
    assessor_id: int,
) -> moderation.Pick:
    """Apply the policy to a submitted scoring and count it in the tally."""
    if definition.moderation.mode != "sample":
        return moderation.pick(definition, levels, draw)
    row = tally_row(course_id, definition.key, assessor_id)
    before = moderation.Tally(row.seen or 0, row.picked or 0)
    found = moderation.pick(definition, levels, draw, before)
    after = before.after(found)
    row.seen, row.picked = after.seen, after.picked
    return found
