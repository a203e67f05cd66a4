"""The self-verification checkbox shows only where the server would accept it."""

from __future__ import annotations

import pytest

from lti_tool import catalogue
from lti_tool.assessment_rights import Actor
from lti_tool.db import db
from lti_tool.models import Assessment, Launch, Person, ResourceLink
from lti_tool.vocab import ContextRole
from tests.assessment_factory import World, all_at
from tests.credential_factory import definition_data
from tests.unit.test_assessment_pages import (
    LEARNER,
    MENTOR,
    TEACHER,
    launch_as,
    levels_form,
    revision_in,
)

TA = [ContextRole.TEACHING_ASSISTANT.value]


def solo_course(app, client, platform, *, allow: bool, second_staff: list | None):
    """A course where the teacher has scored the only submission.

    ``second_staff`` are the roles of one more staff member, if any.
    """
    people = {
        "learner": launch_as(client, platform, "learner", LEARNER),
        "teacher": launch_as(client, platform, "teacher", TEACHER),
    }
    if second_staff:
        people["other"] = launch_as(client, platform, "other", second_staff)
    policy = {
        "mode": "every_mastery",
        "sample_share": 0,
        "allow_self_verification": allow,
    }
    with app.app_context():
        version, _ = catalogue.save(definition_data(moderation=policy))
        launch = db.session.get(Launch, people["learner"].id)
        for link in db.session.scalars(db.select(ResourceLink)):
            link.credential_key = "tell-what-happened"
            link.credential_version_id = version.id
        w = World(launch.registration_id, launch.deployment_id, version.id)
        learner = db.session.get(Person, launch.person_id)
        actor = Actor(learner.id, launch.course_id, tuple(LEARNER))
        sid = w.submission(launch.resource_link, actor, launch_id=launch.id).id
        db.session.commit()
    teacher = people["teacher"]
    path = f"/assess/{teacher.id}/submissions/{sid}"
    assert teacher.post(path, levels_form(all_at(3))).status_code == 303
    with app.app_context():
        aid = db.session.scalars(db.select(Assessment.id)).one()
    return teacher, path, aid


def verify(teacher, aid, revision, confirm: bool):
    data = {"revision": revision, "action": "verify"}
    if confirm:
        data["confirm_self"] = "yes"
    return teacher.post(f"/assess/{teacher.id}/assessments/{aid}/moderate", data)


@pytest.mark.parametrize("helper", [None, TA, MENTOR], ids=["alone", "ta", "mentor"])
def test_sole_verifier_with_policy_sees_the_checkbox_and_must_tick_it(
    app, client, platform, helper
):
    # A teaching assistant or mentor scores but cannot verify, so the one
    # instructor beside them is still the only person who can.
    teacher, path, aid = solo_course(
        app, client, platform, allow=True, second_staff=helper
    )
    html = teacher.get(path).get_data(as_text=True)
    assert "data-confirm-self" in html
    unconfirmed = verify(teacher, aid, revision_in(html), confirm=False)
    assert unconfirmed.status_code == 403
    assert "explicit confirmation" in unconfirmed.get_data(as_text=True)
    confirmed = verify(teacher, aid, revision_in(html), confirm=True)
    assert confirmed.status_code == 303
    with app.app_context():
        row = db.session.get(Assessment, aid)
        assert row.status == "moderated" and row.self_verified


@pytest.mark.parametrize(
    ("allow", "second_staff", "reason"),
    [
        (True, TEACHER, "Another instructor of this course can verify"),
        (False, None, "another person must verify it"),
    ],
)
def test_no_checkbox_where_self_verification_is_not_allowed(
    app, client, platform, allow, second_staff, reason
):
    teacher, path, aid = solo_course(
        app, client, platform, allow=allow, second_staff=second_staff
    )
    html = teacher.get(path).get_data(as_text=True)
    assert "data-confirm-self" not in html
    assert 'data-moderation="other-person"' in html
    assert 'value="verify"' not in html
    # A hand-made post with the confirmation is refused all the same.
    with app.app_context():
        revision = str(db.session.get(Assessment, aid).revision)
    forced = verify(teacher, aid, revision, confirm=True)
    assert forced.status_code == 403
    assert reason in forced.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "scored"
