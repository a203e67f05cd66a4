"""Awarding badges: on a released mastery decision, for completed pathways.

Receivers of ``assessment_released`` run inside the releasing transaction,
so an award commits or rolls back with the release that caused it. A
learner gets one award per credential version and one per pathway
version; a second release of the same thing changes nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from lti_tool import catalogue
from lti_tool.badges import holder, ob3, status_list
from lti_tool.badges.documents import DocumentLoader, pathmark_context_url
from lti_tool.badges.issuer_keys import Issuer, IssuerKeys
from lti_tool.badges.multikey import did_key, did_key_method
from lti_tool.badges.pathway_status import revoke_unsupported
from lti_tool.badges.proof import SigningKey, sign
from lti_tool.badges.recipient import identity_hash, identity_object, new_salt
from lti_tool.badges.verify import MALFORMED, Verdict, check
from lti_tool.badges.verify import check_signature as check_signature
from lti_tool.config import resolve_path
from lti_tool.credentials import Pathway
from lti_tool.db import db, utcnow
from lti_tool.events import event as event_log
from lti_tool.models import (
    BadgeAward,
    BadgeStatusList,
    CredentialVersion,
    PathwayVersion,
    Person,
)
from lti_tool.models.badges import KIND_CREDENTIAL, KIND_PATHWAY
from lti_tool.models.catalogue import Pathway as PathwayRow
from lti_tool.pathways import completed_by
from lti_tool.signals import ReleaseEvent, assessment_released


class AwardRefused(RuntimeError):
    """A release that must not mint a badge (e.g. moderation missing)."""


class StatusListError(RuntimeError):
    """A status list that cannot be signed under the identity it was issued."""


class Badges:
    """The issuer's settings, keys and document loader for one app."""

    def __init__(self, app: Flask):
        cfg = app.config
        self.base_url: str = cfg["BASE_URL"]
        self.name: str = cfg["BADGE_ISSUER_NAME"]
        self.country: str = cfg["BADGE_ISSUER_COUNTRY"]
        self.did_method: str = cfg["BADGE_DID_METHOD"]
        self.keys = IssuerKeys(resolve_path(cfg["KEYS_DIR"]) / "badges")
        self.loader = DocumentLoader(self.base_url)
        self._issuer: tuple[tuple[str, ...], Issuer] | None = None

    def issuer(self) -> Issuer:
        """The issuer, re-read when a rotation added a key file."""
        self.keys.ensure()
        names = tuple(p.name for p in self.keys.key_files())
        if self._issuer is None or self._issuer[0] != names:
            self._issuer = (names, self.keys.issuer(self.base_url, self.did_method))
        return self._issuer[1]

    def profile(self) -> dict[str, Any]:
        return ob3.issuer_profile(
            self.issuer().did, self.name, self.base_url, self.country
        )

    def credential_url(self, award_id: str) -> str:
        return f"{self.base_url}/credentials/{award_id}"

    def status_url(self, list_id: int) -> str:
        return f"{self.base_url}/status/{list_id}"

    def image_url(self, kind: str, key: str) -> str:
        return f"{self.base_url}/badges/images/{kind}/{key}.png"

    def sign(self, document: dict[str, Any], when: datetime) -> dict[str, Any]:
        return sign(document, self.issuer().signing_key, when, self.loader)

    def signing_key_as(self, did: str) -> SigningKey:
        """One of our keys, named as a method of ``did``.

        Every key of ours belongs to a did:web DID, so the newest signs; a
        did:key DID is one key, which must still be in the keys folder.
        """
        issuer = self.issuer()
        if did == issuer.did:
            return issuer.signing_key
        if did.startswith("did:web:"):
            return Issuer(did, issuer.keys).signing_key
        for key in issuer.keys:
            public = key.public_key()
            if did_key(public) == did:
                return SigningKey(key, did_key_method(public))
        raise StatusListError(
            f"no issuer key in {self.keys.folder} is {did}, which issued this list"
        )


def badges() -> Badges:
    return current_app.extensions["pathmark_badges"]


# Status lists -------------------------------------------------------------


def _free_index(row: BadgeStatusList) -> int:
    """A random bit of ``row`` that no credential has ever named."""
    taken = select(BadgeAward.status_index).where(BadgeAward.status_list_id == row.id)

    def used(candidates: set[int] | None) -> set[int]:
        if candidates is None:
            return set(db.session.scalars(taken))
        where = BadgeAward.status_index.in_(candidates)
        return set(db.session.scalars(taken.where(where)))

    index = status_list.random_free(status_list.Bitstring(row.size, row.bits), used)
    if index is None:
        raise StatusListError(f"status list {row.id} has no free bit")
    return index


def allocate_bit() -> tuple[BadgeStatusList, int]:
    """A random free bit in a list with room (the list locked while we take it).

    ``next_index`` counts the bits handed out; a list fills before the next
    is made. Random positions keep a credential's index from telling when
    it was issued or how many were issued before it.
    """
    row = db.session.scalars(
        select(BadgeStatusList)
        .where(BadgeStatusList.next_index < BadgeStatusList.size)
        .order_by(BadgeStatusList.id)
        .with_for_update()
    ).first()
    if row is None:
        bits = status_list.Bitstring()
        row = BadgeStatusList(size=bits.size, next_index=0, bits=bytes(bits.bytes))
        db.session.add(row)
        db.session.flush()
        sign_status_list(row)
    index = _free_index(row)
    row.next_index += 1
    return row, index


def sign_status_list(row: BadgeStatusList) -> None:
    """Sign the list's credential under the URL and issuer it was issued with.

    Credentials name the list by URL and verifiers expect its issuer, so a
    process configured with another base URL (a CLI run on another host)
    must still sign as the list's own identity, not its own configuration.
    """
    b = badges()
    if row.url is None or row.issuer_did is None:
        # The first signing fixes the list's identity for good.
        row.url, row.issuer_did = b.status_url(row.id), b.issuer().did
    key = b.signing_key_as(row.issuer_did)
    bits = status_list.Bitstring(row.size, row.bits)
    now = utcnow()
    unsigned = status_list.list_credential(row.url, row.issuer_did, bits, now)
    row.credential = sign(unsigned, key, now, b.loader)


def status_entry(row: BadgeStatusList, index: int) -> dict[str, Any]:
    """A credential's entry for bit ``index``, under the list's own URL.

    The list keeps the URL it was first signed under; a process configured
    with another base URL must not point new credentials elsewhere.
    """
    if row.url is None:
        sign_status_list(row)
    return status_list.entry(row.url, index)


def status_document(list_id: int) -> dict[str, Any] | None:
    row = db.session.get(BadgeStatusList, list_id)
    return None if row is None else row.credential


def lookup_status(url: str) -> dict[str, Any] | None:
    """A status list credential by the URL it was issued under, when ours."""
    row = db.session.scalar(
        select(BadgeStatusList).where(BadgeStatusList.url == url).limit(1)
    )
    return None if row is None else row.credential


# Minting --------------------------------------------------------------------


def _identity(person: Person, salt: str) -> tuple[dict[str, Any], str]:
    if person.email.strip():
        obj = identity_object(person.email, salt)
    else:
        # No email from the LMS: hash the platform's own id for the person.
        obj = {
            "type": "IdentityObject",
            "identityHash": identity_hash(person.sub, salt),
            "identityType": "sourcedId",
            "hashed": True,
            "salt": salt,
        }
    return obj, obj["identityHash"]


def _mint(
    person: Person,
    kind: str,
    key: str,
    achievement_doc: dict[str, Any],
    valid_until: datetime | None,
    result: list[dict[str, Any]] | None = None,
    evidence_docs: list[dict[str, Any]] | None = None,
    subject_did: str | None = None,
) -> BadgeAward:
    b = badges()
    now = utcnow().replace(microsecond=0)
    award_id = str(uuid.uuid4())
    # The DID the learner named on their badges page, when there is one.
    subject_did = subject_did or holder.current(person.id)
    salt = new_salt()
    identity, hashed = _identity(person, salt)
    row, index = allocate_bit()
    unsigned = ob3.credential(
        credential_id=b.credential_url(award_id),
        context_url=pathmark_context_url(b.base_url),
        issuer=b.profile(),
        achievement_doc=achievement_doc,
        identity=identity,
        subject_did=subject_did,
        valid_from=now,
        valid_until=valid_until,
        status=status_entry(row, index),
        result=result,
        evidence_docs=evidence_docs,
    )
    award = BadgeAward(
        id=award_id,
        person_id=person.id,
        kind=kind,
        key=key,
        status_list_id=row.id,
        status_index=index,
        salt=salt,
        recipient_hash=hashed,
        document=b.sign(unsigned, now),
        issued_at=now,
        valid_until=valid_until,
    )
    db.session.add(award)
    return award


def award_credential(
    person: Person, version_row: CredentialVersion, release: ReleaseEvent
) -> BadgeAward | None:
    """The award for a released mastery decision; None when it exists."""
    existing = db.session.scalar(
        select(BadgeAward).where(
            BadgeAward.person_id == person.id,
            BadgeAward.credential_version_id == version_row.id,
        )
    )
    if existing is not None:
        return None
    definition = catalogue.definition(version_row)
    if definition.moderation.mode == "every_mastery" and release.moderator_id is None:
        raise AwardRefused("this credential needs a moderator's verification")
    b = badges()
    achievement_doc = ob3.achievement(
        definition, b.base_url, b.image_url(KIND_CREDENTIAL, definition.key)
    )
    now = utcnow().replace(microsecond=0)
    valid_until = (
        now + timedelta(days=definition.expiry_days) if definition.expiry_days else None
    )
    award = _mint(
        person,
        KIND_CREDENTIAL,
        definition.key,
        achievement_doc,
        valid_until,
        result=ob3.result_entries(achievement_doc, release.levels),
        evidence_docs=ob3.evidence(release.evidence),
    )
    award.credential_version_id = version_row.id
    award.assessment_id = release.assessment_id
    db.session.flush()
    event_log(
        "badge_awarded",
        award=award.id,
        person=person.id,
        credential_version=version_row.id,
        assessment=release.assessment_id,
    )
    return award


def held_keys(person_id: int, now: datetime | None = None) -> set[str]:
    """Credential keys a person holds now: not revoked, not expired."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(BadgeAward).where(
            BadgeAward.person_id == person_id,
            BadgeAward.kind == KIND_CREDENTIAL,
            BadgeAward.revoked_at.is_(None),
        )
    ).all()
    return {r.key for r in rows if r.valid_until is None or r.valid_until > now}


def _pathway_version(pathway: Pathway) -> PathwayVersion:
    return db.session.scalars(
        select(PathwayVersion)
        .join(PathwayRow, PathwayRow.id == PathwayVersion.pathway_id)
        .where(PathwayRow.key == pathway.key, PathwayVersion.number == pathway.version)
    ).one()


def award_pathways(person: Person, new_key: str) -> list[BadgeAward]:
    """Pathway awards the credential ``new_key`` completes just now."""
    held = held_keys(person.id)
    titles = {}
    minted = []
    for pathway in completed_by(catalogue.pathways(), held, new_key):
        version_row = _pathway_version(pathway)
        exists = db.session.scalar(
            select(BadgeAward.id).where(
                BadgeAward.person_id == person.id,
                BadgeAward.pathway_version_id == version_row.id,
            )
        )
        if exists:
            continue
        if not titles:
            titles = {c.key: c.title for c in catalogue.tool_credentials() if c.title}
        b = badges()
        achievement_doc = ob3.pathway_achievement(
            pathway, b.base_url, b.image_url(KIND_PATHWAY, pathway.key), titles
        )
        award = _mint(person, KIND_PATHWAY, pathway.key, achievement_doc, None)
        award.pathway_version_id = version_row.id
        version_row.in_use = True
        db.session.flush()
        event_log(
            "badge_awarded", award=award.id, person=person.id, pathway=pathway.key
        )
        minted.append(award)
    return minted


def on_release(sender: Any, event: ReleaseEvent, **_: Any) -> None:
    """``assessment_released`` receiver: mastery mints, nothing else does."""
    if not event.mastery or "pathmark_badges" not in current_app.extensions:
        return
    person = db.session.get(Person, event.person_id)
    version_row = db.session.get(CredentialVersion, event.credential_version_id)
    if person is None or version_row is None:
        # Nothing to award against; the release itself stands.
        event_log(
            "badge_not_awarded",
            logging.WARNING,
            assessment=event.assessment_id,
            reason="unknown person or credential version",
        )
        return
    award = award_credential(person, version_row, event)
    if award is not None:
        award_pathways(person, award.key)


# Revocation and checks ------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    """What a revoke did: ``already`` when the award was revoked before."""

    award: BadgeAward
    status_list: BadgeStatusList
    already: bool
    # Pathway badges revoked with it because they rested on it.
    pathways: tuple[Revocation, ...] = ()


def revoke(award_id: str, reason: str) -> Revocation:
    """Revoke an award: its bit is set and the status list re-signed.

    Revoking a revoked award changes nothing but re-signs its list, which
    repairs a list signed wrongly before (e.g. under another base URL).
    """
    if not reason.strip():
        raise ValueError("a revocation needs a reason")
    award = db.session.get(BadgeAward, award_id)
    if award is None:
        raise LookupError(f"no award {award_id}")
    row = db.session.scalars(
        select(BadgeStatusList)
        .where(BadgeStatusList.id == award.status_list_id)
        .with_for_update()
    ).one()
    already = award.revoked
    bits = status_list.Bitstring(row.size, row.bits)
    bits.set(award.status_index, True)
    row.bits = bytes(bits.bytes)
    if not already:
        award.revoked_at = utcnow()
        award.revocation_reason = reason.strip()
    sign_status_list(row)
    db.session.flush()
    name = "badge_revoke_repeated" if already else "badge_revoked"
    event_log(name, award=award.id, status_list=row.id)
    pathways = () if already else revoke_unsupported(award, reason)
    return Revocation(award, row, already, pathways)


def verdict(document: dict[str, Any], now: datetime | None = None) -> Verdict:
    b = badges()
    return check(document, b.issuer(), b.loader, lookup_status, now or utcnow())


def signed(document: Any) -> bool:
    """Whether a stored credential carries a valid signature of this issuer."""
    if not isinstance(document, dict):
        return False
    b = badges()
    try:
        ok, _ = check_signature(document, b.issuer(), b.loader)
    except MALFORMED:
        return False
    return ok


def init_app(app: Flask) -> None:
    app.extensions["pathmark_badges"] = Badges(app)
    assessment_released.connect(on_release)
