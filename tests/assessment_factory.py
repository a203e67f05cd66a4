"""Courses, people and handed-in submissions for assessment tests.

Rows are written straight to the database, as evidence intake would leave
them; launches for page tests go through the fake platform instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from lti_tool import catalogue
from lti_tool.assessment_rights import Actor
from lti_tool.db import db
from lti_tool.models import (
    Artefact,
    Course,
    Deployment,
    Launch,
    Membership,
    Person,
    Registration,
    ResourceLink,
    Submission,
)
from lti_tool.vocab import Claim, ContextRole
from tests.credential_factory import definition_data

ROLES = {
    "learner": (ContextRole.LEARNER.value,),
    "instructor": (ContextRole.INSTRUCTOR.value,),
    "mentor": (ContextRole.MENTOR.value,),
    "ta": (ContextRole.TEACHING_ASSISTANT.value,),
}


@dataclass
class World:
    registration_id: int
    deployment_id: int
    version_id: int

    def course(self, context_id: str = "course-1") -> Course:
        course = Course(registration_id=self.registration_id, context_id=context_id)
        db.session.add(course)
        db.session.flush()
        return course

    def link(self, course: Course, link_id: str = "link-1") -> ResourceLink:
        link = ResourceLink(
            deployment_id=self.deployment_id,
            course_id=course.id,
            link_id=link_id,
            title="Tell me",
            credential_key="tell-what-happened",
            credential_version_id=self.version_id,
        )
        db.session.add(link)
        db.session.flush()
        return link

    def person(self, course: Course, sub: str, role: str) -> Actor:
        person = db.session.scalar(
            db.select(Person).where(
                Person.registration_id == self.registration_id, Person.sub == sub
            )
        )
        if person is None:
            person = Person(registration_id=self.registration_id, sub=sub, name=sub)
            db.session.add(person)
            db.session.flush()
        roles = ROLES[role]
        db.session.add(
            Membership(
                course_id=course.id,
                person_id=person.id,
                roles=list(roles),
                course_role="learner" if role == "learner" else "staff",
            )
        )
        db.session.flush()
        return Actor(person_id=person.id, course_id=course.id, roles=roles)

    def launch(
        self,
        link: ResourceLink,
        actor: Actor,
        role: str,
        claims: dict | None = None,
    ) -> str:
        """A launch of ``actor`` in ``role``; its id, for a launch token."""
        row = Launch(
            id=uuid.uuid4().hex,
            registration_id=self.registration_id,
            deployment_id=self.deployment_id,
            person_id=actor.person_id,
            course_id=link.course_id,
            resource_link_id=link.id,
            message_type="LtiResourceLinkRequest",
            course_role=role,
            claims={Claim.ROLES: list(actor.roles), **(claims or {})},
        )
        db.session.add(row)
        db.session.flush()
        return row.id

    def submission(
        self,
        link: ResourceLink,
        learner: Actor,
        status: str = "submitted",
        attempt: int = 1,
        launch_id: str | None = None,
        claims: dict | None = None,
    ) -> Submission:
        if launch_id is None:
            # The learner's launch; without ``claims``, no gradebook service.
            launch_id = uuid.uuid4().hex
            db.session.add(
                Launch(
                    id=launch_id,
                    registration_id=self.registration_id,
                    deployment_id=self.deployment_id,
                    person_id=learner.person_id,
                    course_id=link.course_id,
                    resource_link_id=link.id,
                    message_type="LtiResourceLinkRequest",
                    course_role="learner",
                    claims=claims or {},
                )
            )
            db.session.flush()
        submission = Submission(
            resource_link_id=link.id,
            person_id=learner.person_id,
            credential_version_id=self.version_id,
            status=status,
            attempt=attempt,
            submitted_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
            launch_id=launch_id,
        )
        db.session.add(submission)
        db.session.flush()
        db.session.add(
            Artefact(
                id=f"a{submission.id}",
                submission_id=submission.id,
                sha256="ab" * 32,
                size=1234,
                media_type="audio/webm",
                capture_mode="recorded",
                kind="recording",
                storage_key=f"k{submission.id}",
                received_at=datetime(2026, 12, 1, 9, 59, tzinfo=UTC),
            )
        )
        db.session.flush()
        return submission


def world(**credential_changes) -> World:
    """A registration, a deployment and a saved credential version."""
    reg = db.session.scalars(db.select(Registration)).first()
    deployment = db.session.scalars(db.select(Deployment)).first()
    version, _ = catalogue.save(definition_data(**credential_changes))
    db.session.flush()
    return World(reg.id, deployment.id, version.id)


def all_at(level: int) -> dict[str, str]:
    """Form values with every criterion at one level."""
    return {c: str(level) for c in ("coherence", "range", "fluency", "intelligibility")}
