"""Awards and status lists on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import IntegrityError

from lti_tool.badges import issuance
from lti_tool.db import db
from lti_tool.models import BadgeAward, Person
from tests import badge_helpers as h


def test_signed_credential_survives_the_database_round_trip(app):
    with app.app_context():
        learner = h.person()
        h.release(learner.id, h.credential(expiry_days=365).id)
        db.session.commit()
        award_id = db.session.scalars(db.select(BadgeAward.id)).one()
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        assert award.valid_until.tzinfo is not None
        assert issuance.verdict(award.document).valid
        issuance.revoke(award_id, "Issued in error")
        db.session.commit()
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        assert award.revoked and award.revocation_reason == "Issued in error"
        assert issuance.verdict(award.document).status == "revoked"


def test_one_award_per_learner_and_version_is_enforced_by_the_schema(app):
    with app.app_context():
        learner = h.person()
        version = h.credential()
        h.release(learner.id, version.id)
        db.session.commit()
        first = db.session.scalars(db.select(BadgeAward)).one()
        duplicate = BadgeAward(
            id="00000000-0000-0000-0000-000000000001",
            person_id=learner.id,
            kind="credential",
            key=first.key,
            credential_version_id=version.id,
            status_list_id=first.status_list_id,
            status_index=first.status_index + 1,
            salt="x",
            recipient_hash="sha256$x",
            document={},
        )
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_concurrent_awards_take_distinct_status_bits(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    with app.app_context():
        version_id = h.credential().id
        first = h.person(sub="first")
        h.release(first.id, version_id)
        people = [h.person(email=f"l{i}@example.org", sub=f"l{i}") for i in range(6)]
        db.session.commit()
        ids = [p.id for p in people]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ids), timeout=20)

    def mint(person_id: int) -> None:
        try:
            with app.app_context():
                person = db.session.get(Person, person_id)
                barrier.wait()
                h.release(person.id, version_id)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=mint, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with app.app_context():
        bits = db.session.execute(
            db.select(BadgeAward.status_list_id, BadgeAward.status_index)
        ).all()
        assert len(bits) == 7 and len(set(bits)) == 7
