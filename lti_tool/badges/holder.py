"""The DID a learner names as the holder of the badges issued to them next.

Two forms are accepted: ``did:key`` with an Ed25519 Multikey (the key must
decode) and ``did:web`` naming a host, with an optional percent-encoded
port and colon-separated path. Nothing is resolved: the DID is carried as
``credentialSubject.id`` exactly as given, and proving control of it is
left to the holder's wallet.
"""

from __future__ import annotations

import logging
import re

from lti_tool.badges.multikey import public_key_from_multikey
from lti_tool.db import db
from lti_tool.events import event
from lti_tool.models.badges import BadgeSubjectDid

MAX_LENGTH = 512

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_SEGMENT = r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+"
_DID_WEB = re.compile(
    rf"did:web:{_LABEL}(?:\.{_LABEL})*(?:%3[Aa][0-9]{{1,5}})?(?::{_SEGMENT})*"
)


class InvalidDid(ValueError):
    """Why a DID was refused, in words shown next to the field."""


def check(text: str) -> str:
    """The DID as it will be stored, or :class:`InvalidDid`."""
    did = text.strip()
    if len(did) > MAX_LENGTH:
        raise InvalidDid(f"A DID here is at most {MAX_LENGTH} characters long.")
    if did.startswith("did:key:"):
        try:
            public_key_from_multikey(did.removeprefix("did:key:"))
        except ValueError:
            raise InvalidDid(
                "This did:key does not hold an Ed25519 key in base58btc "
                "(it should start with did:key:z6Mk)."
            ) from None
        return did
    if did.startswith("did:web:"):
        if not _DID_WEB.fullmatch(did):
            raise InvalidDid(
                "This did:web does not name a host, like did:web:example.org "
                "or did:web:example.org:users:ana."
            )
        return did
    raise InvalidDid("Only did:key and did:web identifiers are accepted.")


def current(person_id: int) -> str | None:
    row = db.session.get(BadgeSubjectDid, person_id)
    return row.did if row else None


def set_did(person_id: int, text: str) -> str:
    """Store the learner's DID (after :func:`check`); logs ids only."""
    did = check(text)
    row = db.session.get(BadgeSubjectDid, person_id)
    if row is None:
        db.session.add(BadgeSubjectDid(person_id=person_id, did=did))
    else:
        row.did = did
    db.session.flush()
    event("badge_subject_did_set", logging.INFO, person=person_id)
    return did


def clear(person_id: int) -> bool:
    """Forget the learner's DID; False when none was stored."""
    row = db.session.get(BadgeSubjectDid, person_id)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    event("badge_subject_did_cleared", logging.INFO, person=person_id)
    return True
