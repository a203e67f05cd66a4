"""The calibration set: consent, who adds items, practice and its figures."""

from __future__ import annotations

import re

import pytest

from lti_tool import calibration, catalogue, signals
from lti_tool.assessment_rights import Actor
from lti_tool.credential_codec import definition_from_dict
from lti_tool.db import db
from lti_tool.models import (
    Artefact,
    Assessment,
    AuditEntry,
    BadgeAward,
    CalibrationItem,
    Launch,
    Moderation,
    ParticipantConsent,
    Person,
    PracticeScoring,
    ResourceLink,
    ScoreDelivery,
)
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

NAME = "Zelda-Quist"


@pytest.fixture
def verified(app, client, platform):
    """A submission scored by a mentor and verified by the teacher."""
    people = {
        "learner": launch_as(client, platform, "zelda-quist", LEARNER),
        "mentor": launch_as(client, platform, "mentor", MENTOR),
        "teacher": launch_as(client, platform, "teacher", TEACHER),
        "outsider": launch_as(client, platform, "outsider", TEACHER, "course-2"),
    }
    with app.app_context():
        version, _ = catalogue.save(definition_data())
        launch = db.session.get(Launch, people["learner"].id)
        for link in db.session.scalars(db.select(ResourceLink)):
            link.credential_key = "tell-what-happened"
            link.credential_version_id = version.id
        w = World(launch.registration_id, launch.deployment_id, version.id)
        learner = db.session.get(Person, launch.person_id)
        actor = Actor(learner.id, launch.course_id, tuple(LEARNER))
        sid = w.submission(launch.resource_link, actor, launch_id=launch.id).id
        db.session.commit()
    people["submission"] = sid
    mentor, teacher = people["mentor"], people["teacher"]
    sheet = f"/assess/{mentor.id}/submissions/{sid}"
    assert mentor.post(sheet, levels_form(all_at(3))).status_code == 303
    with app.app_context():
        aid = db.session.scalars(db.select(Assessment.id)).one()
    html = teacher.get(f"/assess/{teacher.id}/submissions/{sid}").get_data(True)
    verify = teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/moderate",
        {"revision": revision_in(html), "action": "adjust"}
        | {f"level-{k}": v for k, v in (all_at(3) | {"fluency": "4"}).items()},
    )
    assert verify.status_code == 303
    return people


def agree(people, yes: bool = True):
    learner = people["learner"]
    response = learner.post(
        f"/results/{learner.id}/practice-consent", {"agree": "yes" if yes else "no"}
    )
    assert response.status_code == 303


def add_item(people, who="teacher"):
    session = people[who]
    return session.post(
        f"/assess/{session.id}/calibration/items",
        {"submission": str(people["submission"])},
    )


def item_id(app) -> int:
    with app.app_context():
        return db.session.scalars(db.select(CalibrationItem.id)).one()


def test_work_needs_the_learners_agreement(verified, app):
    teacher = verified["teacher"]
    sheet = f"/assess/{teacher.id}/submissions/{verified['submission']}"
    html = teacher.get(sheet).get_data(as_text=True)
    assert 'data-calibration-state="unavailable"' in html
    refused = add_item(verified)
    assert refused.status_code == 409
    assert "has not agreed" in refused.get_data(as_text=True)

    agree(verified)
    consent = verified["learner"].get(
        f"/results/{verified['learner'].id}/practice-consent"
    )
    assert 'data-consent="given"' in consent.get_data(as_text=True)
    html = teacher.get(sheet).get_data(as_text=True)
    assert 'data-calibration-state="available"' in html
    assert add_item(verified).status_code == 303
    with app.app_context():
        item = db.session.get(CalibrationItem, item_id(app))
        # The agreed levels are the verified scoring: the teacher's adjustment.
        assert item.agreed_levels == {**{k: 3 for k in all_at(3)}, "fluency": 4}
    again = add_item(verified)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("mentor", 403, "not_moderator"),
        ("learner", 403, "not_staff"),
        ("outsider", 403, "other_course"),
    ],
)
def test_only_the_courses_moderators_add_items(verified, app, who, status, code):
    agree(verified)
    response = add_item(verified, who)
    assert response.status_code == status
    assert f'data-refusal="{code}"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(CalibrationItem)).all() == []


def test_unverified_work_cannot_be_an_item(app, client, platform):
    teacher = launch_as(client, platform, "teacher", TEACHER)
    learner = launch_as(client, platform, "learner", LEARNER)
    with app.app_context():
        version, _ = catalogue.save(definition_data())
        launch = db.session.get(Launch, learner.id)
        launch.resource_link.credential_key = "tell-what-happened"
        launch.resource_link.credential_version_id = version.id
        w = World(launch.registration_id, launch.deployment_id, version.id)
        actor = Actor(launch.person_id, launch.course_id, tuple(LEARNER))
        sid = w.submission(launch.resource_link, actor, launch_id=launch.id).id
        db.session.commit()
    learner.post(f"/results/{learner.id}/practice-consent", {"agree": "yes"})
    teacher.post(f"/assess/{teacher.id}/submissions/{sid}", levels_form(all_at(3)))
    response = teacher.post(
        f"/assess/{teacher.id}/calibration/items", {"submission": str(sid)}
    )
    assert response.status_code == 409
    assert "second person verified" in response.get_data(as_text=True)


def counts(app) -> dict:
    with app.app_context():
        rows = db.session.scalars(db.select(Assessment)).all()
        return {
            "assessments": [(a.id, a.status, a.revision, a.levels) for a in rows],
            "moderations": len(db.session.scalars(db.select(Moderation)).all()),
            "audit": len(db.session.scalars(db.select(AuditEntry)).all()),
            "deliveries": len(db.session.scalars(db.select(ScoreDelivery)).all()),
            "awards": len(db.session.scalars(db.select(BadgeAward)).all()),
        }


def test_practice_compares_and_touches_nothing_real(verified, app, client, platform):
    agree(verified)
    add_item(verified)
    before = counts(app)
    sent = []

    def receiver(sender, event):
        sent.append(event)

    signals.assessment_released.connect(receiver)
    mentor = verified["mentor"]
    try:
        listing = mentor.get(f"/assess/{mentor.id}/calibration").get_data(True)
        assert 'data-item="' in listing and NAME not in listing
        path = f"/assess/{mentor.id}/calibration/items/{item_id(app)}"
        page = mentor.get(path).get_data(as_text=True)
        assert NAME not in page and "<audio" in page and "data-sheet" in page
        mine = {"coherence": "4", "range": "3", "fluency": "2", "intelligibility": "1"}
        scored = mentor.post(path, levels_form(mine))
        assert scored.status_code == 303
        result = mentor.client.get(scored.headers["Location"]).get_data(True)
    finally:
        signals.assessment_released.disconnect(receiver)
    # Agreed: 3, 3, 4, 3. Differences +1, 0, -2, -2.
    assert re.findall(r'data-criterion="(\w+)" data-difference="(-?\d)"', result) == [
        ("coherence", "1"),
        ("range", "0"),
        ("fluency", "-2"),
        ("intelligibility", "-2"),
    ]
    item_figures = re.search(r"data-item-agreement>(.*?)</p>", result, re.S).group(1)
    assert "25%" in item_figures and "50%" in item_figures
    assert NAME not in result
    assert counts(app) == before and sent == []
    # A new mentor's guide offers the set, and practising is not a decision
    # that closes the guide.
    fresh = launch_as(client, platform, "fresh", MENTOR)
    fresh.post(
        f"/assess/{fresh.id}/calibration/items/{item_id(app)}", levels_form(all_at(2))
    )
    queue = fresh.get(f"/assess/{fresh.id}/queue").get_data(as_text=True)
    assert "data-onboarding-calibration" in queue and "1 practice item" in queue
    assert counts(app) == before


def test_incomplete_practice_is_refused(verified, app):
    agree(verified)
    add_item(verified)
    mentor = verified["mentor"]
    path = f"/assess/{mentor.id}/calibration/items/{item_id(app)}"
    response = mentor.post(path, levels_form({"range": "2"}))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Pick a level for every criterion" in html
    assert re.search(r'name="level-range" value="2"[^>]*checked', html)
    bad = mentor.post(path, levels_form(all_at(3) | {"range": "7"}))
    assert bad.status_code == 400
    with app.app_context():
        assert db.session.scalars(db.select(PracticeScoring)).all() == []


def test_others_cannot_reach_items_or_practice_results(verified, app, client, platform):
    agree(verified)
    add_item(verified)
    iid = item_id(app)
    learner, outsider = verified["learner"], verified["outsider"]
    assert learner.get(f"/assess/{learner.id}/calibration").status_code == 403
    assert (
        learner.get(f"/assess/{learner.id}/calibration/items/{iid}").status_code == 403
    )
    assert (
        outsider.get(f"/assess/{outsider.id}/calibration/items/{iid}").status_code
        == 404
    )
    mentor = verified["mentor"]
    done = mentor.post(
        f"/assess/{mentor.id}/calibration/items/{iid}", levels_form(all_at(3))
    )
    result_path = done.headers["Location"].split("?")[0]
    teacher = verified["teacher"]
    theirs = teacher.get(result_path.replace(mentor.id, teacher.id))
    assert theirs.status_code == 404


def test_withdrawing_consent_retires_the_item(verified, app):
    agree(verified)
    add_item(verified)
    iid = item_id(app)
    agree(verified, yes=False)
    mentor = verified["mentor"]
    listing = mentor.get(f"/assess/{mentor.id}/calibration").get_data(True)
    assert 'data-calibration="empty"' in listing
    gone = mentor.get(f"/assess/{mentor.id}/calibration/items/{iid}")
    assert gone.status_code == 404
    with app.app_context():
        item = db.session.get(CalibrationItem, iid)
        assert item.retired_reason == "consent withdrawn"


def test_moderator_retires_an_item(verified, app):
    agree(verified)
    add_item(verified)
    iid = item_id(app)
    mentor, teacher = verified["mentor"], verified["teacher"]
    denied = mentor.post(f"/assess/{mentor.id}/calibration/items/{iid}/retire")
    assert denied.status_code == 403
    done = teacher.post(f"/assess/{teacher.id}/calibration/items/{iid}/retire")
    assert done.status_code == 303
    listing = mentor.get(f"/assess/{mentor.id}/calibration").get_data(True)
    assert 'data-calibration="empty"' in listing


def test_compare_known_answers():
    definition = definition_from_dict(definition_data(), version=1)
    agreed = {"coherence": 3, "range": 3, "fluency": 3, "intelligibility": 2}
    mine = {"coherence": 3, "range": 4, "fluency": 1, "intelligibility": 2}
    result = calibration.compare(definition, mine, agreed)
    assert [r.difference for r in result.rows] == [0, 1, -2, 0]
    assert result.figures.count == 4
    assert result.figures.exact == 0.5 and result.figures.adjacent == 0.75


def test_work_with_other_people_in_it_is_never_used(verified, app):
    agree(verified)
    with app.app_context():
        db.session.add(
            ParticipantConsent(
                submission_id=verified["submission"],
                participant="A friend",
                statement="I agree to be recorded for this assessment.",
            )
        )
        db.session.commit()
    refused = add_item(verified)
    assert refused.status_code == 409
    assert "Other people appear" in refused.get_data(as_text=True)


def test_an_item_whose_media_expired_leaves_the_set(verified, app):
    agree(verified)
    add_item(verified)
    iid = item_id(app)
    with app.app_context():
        for artefact in db.session.scalars(db.select(Artefact)):
            artefact.media_expired_at = artefact.received_at
        db.session.commit()
    mentor = verified["mentor"]
    listing = mentor.get(f"/assess/{mentor.id}/calibration").get_data(True)
    assert 'data-calibration="empty"' in listing
    assert mentor.get(f"/assess/{mentor.id}/calibration/items/{iid}").status_code == 404
