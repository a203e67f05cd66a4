"""Awards (issued badges) and the status lists that can revoke them.

An award keeps the signed Open Badges 3.0 credential exactly as issued,
its salt (the 2.0 assertion hashes the same email with it) and its bit in
a status list. A status list keeps its bits and the signed list credential
Pathmark serves, re-signed whenever a bit changes, always under the URL
and issuer it was first signed with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.db import db, utcnow
from lti_tool.models.catalogue import CredentialVersion, PathwayVersion
from lti_tool.models.courses import Person

KIND_CREDENTIAL = "credential"
KIND_PATHWAY = "pathway"


class BadgeStatusList(db.Model):
    __tablename__ = "badge_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), default="revocation")
    size: Mapped[int] = mapped_column()
    next_index: Mapped[int] = mapped_column(default=0)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    # The signed BitstringStatusListCredential as served.
    credential: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The list's URL and issuer DID from its first signing: re-signing keeps
    # them, whatever base URL the re-signing process is configured with.
    url: Mapped[str | None] = mapped_column(String(500))
    issuer_did: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BadgeAward(db.Model):
    """One issued badge: a credential version or a pathway, to one person."""

    __tablename__ = "badge_award"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "credential_version_id", name="uq_badge_award_person_version"
        ),
        UniqueConstraint(
            "person_id", "pathway_version_id", name="uq_badge_award_person_pathway"
        ),
        UniqueConstraint(
            "status_list_id", "status_index", name="uq_badge_award_status_bit"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # The credential or pathway key, for pathway completion checks.
    key: Mapped[str] = mapped_column(String(100))
    credential_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("credential_version.id", ondelete="RESTRICT")
    )
    pathway_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("pathway_version.id", ondelete="RESTRICT")
    )
    # The released assessment behind a credential award (another area's id).
    assessment_id: Mapped[int | None] = mapped_column()
    status_list_id: Mapped[int] = mapped_column(
        ForeignKey("badge_status_list.id", ondelete="RESTRICT")
    )
    status_index: Mapped[int] = mapped_column()
    salt: Mapped[str] = mapped_column(String(64))
    recipient_hash: Mapped[str] = mapped_column(String(80))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revocation_reason: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()
    credential_version: Mapped[CredentialVersion | None] = relationship()
    pathway_version: Mapped[PathwayVersion | None] = relationship()
    status_list: Mapped[BadgeStatusList] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class BadgePublicCredit(db.Model):
    """A mentor's public recognition note, shown only with the learner's consent.

    Built from a script: what was done well, the evidence that showed it,
    the setting. While consented (and not withdrawn) the award's credential
    carries it; consent and withdrawal each re-issue the credential.
    """

    __tablename__ = "badge_public_credit"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[str] = mapped_column(
        ForeignKey("badge_award.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    done_well: Mapped[str] = mapped_column(Text)
    shown_by: Mapped[str] = mapped_column(Text)
    setting: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    consented_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()

    award: Mapped[BadgeAward] = relationship()

    @property
    def shown(self) -> bool:
        return self.consented_at is not None and self.withdrawn_at is None

    @property
    def pending(self) -> bool:
        return self.consented_at is None and self.withdrawn_at is None


class BadgeSubjectDid(db.Model):
    """The DID a learner gave as the holder of badges issued from now on.

    One row per person; clearing it deletes the row. Awards already issued
    keep the subject they were signed with.
    """

    __tablename__ = "badge_subject_did"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    did: Mapped[str] = mapped_column(String(512))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
