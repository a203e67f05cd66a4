"""A registration, course, learner and launch whose AGS claim names a peer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lti_tool.db import db
from lti_tool.models import (
    Course,
    Deployment,
    Launch,
    Membership,
    Person,
    Registration,
    ResourceLink,
)
from lti_tool.signals import (
    ReleaseEvent,
    SubmissionEvent,
    assessment_released,
    submission_submitted,
)
from lti_tool.vocab import Claim, Scope

CLIENT_ID = "pathmark-on-peer"
ALL_SCOPES = [
    Scope.SCORE.value,
    Scope.LINEITEM.value,
    Scope.LINEITEM_READONLY.value,
    Scope.RESULT_READONLY.value,
]


class Clock:
    """Real time plus an offset the test moves forward."""

    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@dataclass
class Seeded:
    registration_id: int
    link_id: int
    launch_id: str
    people: dict[str, int]
    launches: dict[str, str]


def seed(
    peer,
    *,
    lineitem: str | None = "item",
    lineitems: bool = True,
    scopes=ALL_SCOPES,
    learners=("learner-1",),
    staff=("teacher-1",),
    family: str = "moodle",
    credential_key: str | None = "introduce-yourself",
    ags: bool = True,
) -> Seeded:
    """Write everything a learner launch leaves behind; call in an app context."""
    reg = db.session.query(Registration).filter_by(client_id=CLIENT_ID).first()
    if reg is None:
        reg = Registration(
            issuer=peer.base,
            client_id=CLIENT_ID,
            auth_login_url=f"{peer.base}/auth",
            auth_token_url=peer.token_url,
            key_set_url=f"{peer.base}/jwks",
        )
        db.session.add(reg)
        db.session.flush()
    deployment = Deployment(registration_id=reg.id, deployment_id=secrets.token_hex(4))
    course = Course(registration_id=reg.id, context_id=secrets.token_hex(4))
    db.session.add_all([deployment, course])
    db.session.flush()
    link = ResourceLink(
        deployment_id=deployment.id,
        course_id=course.id,
        link_id="rl-" + secrets.token_hex(4),
        title="Introduce yourself",
        credential_key=credential_key,
    )
    db.session.add(link)
    db.session.flush()
    endpoint: dict = {"scope": list(scopes)}
    if lineitem == "item":
        item_id = peer.add_line_item(resourceLinkId=link.link_id)
        endpoint["lineitem"] = peer.lineitem_url(item_id)
    if lineitems:
        endpoint["lineitems"] = peer.lineitems_url
    people, launches = {}, {}
    for sub, role in [(s, "learner") for s in learners] + [(s, "staff") for s in staff]:
        person = Person(registration_id=reg.id, sub=sub, name=sub.title())
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Membership(
                course_id=course.id, person_id=person.id, roles=[], course_role=role
            )
        )
        claims = {
            "sub": sub,
            Claim.TOOL_PLATFORM: {"product_family_code": family},
        }
        if ags:
            claims[Claim.AGS_ENDPOINT] = endpoint
        launch = Launch(
            id=secrets.token_urlsafe(12),
            registration_id=reg.id,
            deployment_id=deployment.id,
            person_id=person.id,
            course_id=course.id,
            resource_link_id=link.id,
            message_type="LtiResourceLinkRequest",
            course_role=role,
            claims=claims,
        )
        db.session.add(launch)
        people[sub] = person.id
        launches[sub] = launch.id
        if role == "learner":
            peer.gradable.add(sub)
    db.session.commit()
    first = learners[0] if learners else staff[0]
    return Seeded(reg.id, link.id, launches[first], people, launches)


def submit(seeded: Seeded, sub: str, submission_id: int = 1, maximum=12.0):
    submission_submitted.send(
        "test",
        event=SubmissionEvent(
            submission_id=submission_id,
            resource_link_id=seeded.link_id,
            person_id=seeded.people[sub],
            credential_version_id=None,
            launch_id=seeded.launches[sub],
            submitted_at=datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC),
            score_maximum=maximum,
        ),
    )


def release(seeded: Seeded, sub: str, given=9.0, maximum=12.0, assessment_id=1):
    assessment_released.send(
        "test",
        event=ReleaseEvent(
            assessment_id=assessment_id,
            submission_id=1,
            resource_link_id=seeded.link_id,
            person_id=seeded.people[sub],
            credential_version_id=1,
            launch_id=seeded.launches[sub],
            submitted_at=datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC),
            released_at=datetime.now(UTC),
            score_given=given,
            score_maximum=maximum,
            # No mastery: these events name no real credential version, and
            # a mastery release would (rightly) make the badge receiver refuse.
            mastery=False,
            levels={"Fluency": 3, "Accuracy": 4},
            comment="Mastery reached.",
        ),
    )
