"""Public credit: a mentor's recognition note, carried only with consent.

A mentor writes the note from a script (what was done well, the evidence
that showed it, the setting). It stays private until the learner agrees;
then the award's credential is issued again with the note in its subject.
When the learner withdraws consent it is issued again without it. Each
re-issue takes a new status bit and revokes the previous one, so an earlier
copy (with the note, or without it) no longer verifies as current.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lti_tool.badges import issuance, status_list
from lti_tool.badges.proof import xsd_datetime
from lti_tool.db import db, utcnow
from lti_tool.events import event
from lti_tool.models import BadgeAward, BadgePublicCredit, BadgeStatusList

MAX_CHARS = 600


class CreditRefused(ValueError):
    """The note cannot be added or changed in this state."""


def current_note(award_id: str) -> BadgePublicCredit | None:
    """The note not withdrawn, if any (there is at most one)."""
    return db.session.scalar(
        select(BadgePublicCredit).where(
            BadgePublicCredit.award_id == award_id,
            BadgePublicCredit.withdrawn_at.is_(None),
        )
    )


def add_note(
    award: BadgeAward, mentor_id: int, done_well: str, shown_by: str, setting: str
) -> BadgePublicCredit:
    fields = [f.strip() for f in (done_well, shown_by, setting)]
    if not all(fields):
        raise CreditRefused("say what was done well, the evidence and the setting")
    if any(len(f) > MAX_CHARS for f in fields):
        raise CreditRefused(f"keep each part under {MAX_CHARS} characters")
    if award.revoked:
        raise CreditRefused("the award is revoked")
    if current_note(award.id) is not None:
        raise CreditRefused("this award already has a recognition note")
    note = BadgePublicCredit(
        award_id=award.id,
        mentor_id=mentor_id,
        done_well=fields[0],
        shown_by=fields[1],
        setting=fields[2],
    )
    db.session.add(note)
    db.session.flush()
    event("badge_credit_added", award=award.id, note=note.id, mentor=mentor_id)
    return note


def note_document(note: BadgePublicCredit) -> dict[str, Any]:
    if note.consented_at is None:
        raise CreditRefused("a note goes into a credential only with consent")
    return {
        "type": "PublicCredit",
        "doneWell": note.done_well,
        "shownBy": note.shown_by,
        "setting": note.setting,
        "consentedAt": xsd_datetime(note.consented_at),
    }


def _reissue(award: BadgeAward, note: BadgePublicCredit | None) -> None:
    """Sign the award's credential again, with or without the note."""
    old_list = db.session.scalars(
        select(BadgeStatusList)
        .where(BadgeStatusList.id == award.status_list_id)
        .with_for_update()
    ).one()
    bits = status_list.Bitstring(old_list.size, old_list.bits)
    bits.set(award.status_index, True)
    old_list.bits = bytes(bits.bytes)
    issuance.sign_status_list(old_list)

    new_list, index = issuance.allocate_bit()
    b = issuance.badges()
    now = utcnow().replace(microsecond=0)
    unsigned = {k: v for k, v in award.document.items() if k != "proof"}
    subject = dict(unsigned["credentialSubject"])
    subject.pop("publicCredit", None)
    if note is not None:
        subject["publicCredit"] = note_document(note)
    unsigned["credentialSubject"] = subject
    unsigned["credentialStatus"] = issuance.status_entry(new_list, index)
    # The current key signs; under did:key a rotation made it a new DID.
    unsigned["issuer"] = b.profile()
    unsigned["validFrom"] = xsd_datetime(now)
    award.document = b.sign(unsigned, now)
    award.status_list_id, award.status_index = new_list.id, index
    db.session.flush()


def consent(award: BadgeAward) -> BadgePublicCredit:
    note = current_note(award.id)
    if note is None or not note.pending:
        raise CreditRefused("there is no note waiting for your consent")
    if award.revoked:
        raise CreditRefused("the award is revoked")
    note.consented_at = utcnow().replace(microsecond=0)
    _reissue(award, note)
    event("badge_credit_consented", award=award.id, note=note.id)
    return note


def withdraw(award: BadgeAward) -> BadgePublicCredit:
    """Withdraw consent (or decline a pending note): it is never shown."""
    note = current_note(award.id)
    if note is None:
        raise CreditRefused("there is no note to withdraw")
    was_shown = note.shown
    note.withdrawn_at = utcnow()
    if was_shown and not award.revoked:
        _reissue(award, None)
    event("badge_credit_withdrawn", award=award.id, note=note.id)
    return note
