"""Pathway badges rest on the credential badges they name.

When a learner's credential badge is revoked, each of their pathway badges
that no longer has enough held credentials behind it is revoked too, with a
reason that says which credential fell away. A pathway that still holds
(an "n of m" pathway with enough left) keeps its badge.
"""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.credential_codec import pathway_from_dict
from lti_tool.db import db
from lti_tool.models import BadgeAward, PathwayVersion
from lti_tool.models.badges import KIND_CREDENTIAL, KIND_PATHWAY
from lti_tool.pathways import progress


def revoke_unsupported(award: BadgeAward, reason: str) -> tuple:
    """Revoke the pathway badges ``award`` (just revoked) was holding up."""
    from lti_tool.badges import issuance

    if award.kind != KIND_CREDENTIAL:
        return ()
    held = issuance.held_keys(award.person_id)
    pathway_awards = db.session.scalars(
        select(BadgeAward)
        .where(
            BadgeAward.person_id == award.person_id,
            BadgeAward.kind == KIND_PATHWAY,
            BadgeAward.revoked_at.is_(None),
        )
        .order_by(BadgeAward.issued_at)
    ).all()
    done = []
    for row in pathway_awards:
        version = db.session.get(PathwayVersion, row.pathway_version_id)
        if version is None:
            continue
        pathway = pathway_from_dict(version.definition, version.number)
        if award.key in pathway.credentials and not progress(pathway, held).complete:
            why = f"The {award.key} badge it rests on was revoked: {reason.strip()}"
            done.append(issuance.revoke(row.id, why))
    return tuple(done)
