"""Learners, credentials and releases for badge tests."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool import catalogue
from lti_tool.badges import issuance
from lti_tool.db import db
from lti_tool.models import Person, Registration
from lti_tool.signals import ArtefactRef, ReleaseEvent
from tests.credential_factory import definition_data

LEVELS = {"coherence": 3, "range": 4, "fluency": 3, "intelligibility": 3}
DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def person(email: str = "Ana.Lopez@Example.org ", sub: str = "u-1") -> Person:
    reg = db.session.scalar(db.select(Registration))
    if reg is None:
        reg = Registration(
            issuer="https://lms.example",
            client_id="c1",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
        db.session.add(reg)
        db.session.flush()
    p = Person(registration_id=reg.id, sub=sub, name="Ana", email=email)
    db.session.add(p)
    db.session.flush()
    return p


def credential(key: str = "tell-what-happened", **changes):
    row, _ = catalogue.save(definition_data(key=key, **changes))
    db.session.flush()
    return row


def release(
    person_id: int,
    version_id: int,
    *,
    mastery: bool = True,
    levels: dict[str, int] | None = None,
    moderator_id: int | None = 7,
    assessment_id: int = 1,
) -> ReleaseEvent:
    event = ReleaseEvent(
        assessment_id=assessment_id,
        submission_id=1,
        resource_link_id=1,
        person_id=person_id,
        credential_version_id=version_id,
        launch_id="launch-1",
        submitted_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        released_at=datetime(2026, 12, 2, 10, tzinfo=UTC),
        score_given=13,
        score_maximum=16,
        mastery=mastery,
        levels=LEVELS if levels is None else levels,
        evidence=(
            ArtefactRef(
                artefact_id="a1",
                sha256=DIGEST,
                media_type="audio/webm",
                size=123456,
                capture_mode="recorded",
                received_at=datetime(2026, 12, 1, 10, 5, tzinfo=UTC),
                supervision="supervised",
            ),
        ),
        assessor_id=5,
        moderator_id=moderator_id,
    )
    # The badge receiver alone: grade sync, also listening, needs a launch.
    issuance.on_release("pathmark", event=event)
    return event
