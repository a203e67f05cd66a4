"""Assessment pages through real launches: the permission matrix and flow."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from lti_tool import catalogue
from lti_tool.db import db
from lti_tool.models import Assessment, Launch, Person, ResourceLink
from lti_tool.vocab import Claim, ContextRole
from tests.assessment_factory import World, all_at
from tests.credential_factory import definition_data
from tests.unit.test_roster import MEMBERS_URL, NrpsAdapter, member

LEARNER = [ContextRole.LEARNER.value]
MENTOR = [ContextRole.MENTOR.value]
TEACHER = [ContextRole.INSTRUCTOR.value]


class Session:
    """One person's launch: its id and token, and helpers to use them."""

    def __init__(self, client, launch_id: str, token: str):
        self.client, self.id, self.token = client, launch_id, token

    def get(self, path: str, **query):
        return self.client.get(path, query_string={"lt": self.token, **query})

    def post(self, path: str, data: dict | None = None, **kw):
        return self.client.post(path, data={"lt": self.token, **(data or {})}, **kw)


def launch_as(client, platform, sub, roles, context="course-1", **claims):
    response, _, _ = platform.launch(
        client,
        sub=sub,
        name=sub.title(),
        **{
            Claim.ROLES: roles,
            Claim.CONTEXT: {"id": context, "title": context},
            Claim.RESOURCE_LINK: {"id": f"link-{context}", "title": "Tell"},
            **claims,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    launch_id = location.path.rsplit("/", 1)[1]
    return Session(client, launch_id, parse_qs(location.query)["lt"][0])


@pytest.fixture
def course(app, client, platform):
    people = {
        "learner": launch_as(client, platform, "learner", LEARNER),
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
        from lti_tool.assessment_rights import Actor

        actor = Actor(learner.id, launch.course_id, tuple(LEARNER))
        people["submission"] = w.submission(
            launch.resource_link, actor, launch_id=launch.id
        ).id
        db.session.commit()
    return people


def sheet_path(people, who):
    return f"/assess/{people[who].id}/submissions/{people['submission']}"


def revision_in(html: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', html).group(1)


def levels_form(levels: dict[str, str], action="submit", revision="0") -> dict:
    data = {f"level-{k}": v for k, v in levels.items()}
    return data | {"action": action, "revision": revision}


def assessment_id(app) -> int:
    with app.app_context():
        return db.session.scalars(db.select(Assessment.id)).one()


def test_pages_need_the_launch_token(course, client):
    response = client.get(f"/assess/{course['mentor'].id}/queue")
    assert response.status_code == 401
    other = course["learner"]
    stolen = client.get(
        f"/assess/{course['mentor'].id}/queue", query_string={"lt": other.token}
    )
    assert stolen.status_code == 403


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("learner", 403, "not_staff"),
        ("outsider", 403, "other_course"),
        ("mentor", 200, None),
        ("teacher", 200, None),
    ],
)
def test_permission_matrix_for_the_scoring_screen(course, who, status, code):
    response = course[who].get(sheet_path(course, who))
    assert response.status_code == status
    html = response.get_data(as_text=True)
    if code:
        assert f'data-refusal="{code}"' in html
        assert "Coherence" not in html
    else:
        assert "data-sheet" in html and "Coherence" in html
        # The recording plays beside the rubric, through the launch token.
        player = re.search(r'<audio [^>]*src="([^"]+)"', html).group(1)
        assert player.startswith(f"/evidence/{course[who].id}/artefacts/a")
        assert f"lt={course[who].token}" in player


def test_learner_cannot_post_a_scoring(course, app):
    response = course["learner"].post(
        sheet_path(course, "learner"), levels_form(all_at(4))
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalars(db.select(Assessment)).all() == []


def test_queue_lists_the_submission_for_staff_only(course):
    html = (
        course["mentor"]
        .get(f"/assess/{course['mentor'].id}/queue")
        .get_data(as_text=True)
    )
    assert 'data-count="to_assess">1<' in html
    assert "Learner" in html
    whole = course["mentor"].get(f"/assess/{course['mentor'].id}/queue", scope="course")
    assert whole.status_code == 200
    denied = course["learner"].get(f"/assess/{course['learner'].id}/queue")
    assert denied.status_code == 403
    empty = course["outsider"].get(f"/assess/{course['outsider'].id}/queue")
    assert 'data-count="to_assess">0<' in empty.get_data(as_text=True)


def test_score_verify_release_and_the_learner_sees_it(course, app):
    mentor, teacher, learner = course["mentor"], course["teacher"], course["learner"]
    draft = mentor.post(
        sheet_path(course, "mentor"),
        levels_form({"range": "3"}, action="draft") | {"note-range": "Good verbs."},
    )
    assert draft.status_code == 303
    html = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    assert "You showed range at step 3." in html  # standard text inserted
    results = learner.get(f"/results/{learner.id}").get_data(as_text=True)
    assert 'data-results="none"' in results and "Good verbs" not in results

    submitted = mentor.post(
        sheet_path(course, "mentor"), levels_form(all_at(3), revision=revision_in(html))
    )
    assert submitted.status_code == 303
    aid = assessment_id(app)
    rev = revision_in(teacher.get(sheet_path(course, "teacher")).get_data(as_text=True))

    early = teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/release", {"revision": rev}
    )
    assert early.status_code == 409
    assert 'data-refusal="needs_moderation"' in early.get_data(as_text=True)

    not_moderator = mentor.post(
        f"/assess/{mentor.id}/assessments/{aid}/moderate",
        {"revision": rev, "action": "verify"},
    )
    assert not_moderator.status_code == 403
    verified = teacher.post(
        f"/assess/{teacher.id}/assessments/{aid}/moderate",
        {"revision": rev, "action": "verify"},
    )
    assert verified.status_code == 303
    html = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    released = mentor.post(
        f"/assess/{mentor.id}/assessments/{aid}/release",
        {"revision": re.findall(r'name="revision" value="(\d+)"', html)[0]},
    )
    assert released.status_code == 303
    html = mentor.get(sheet_path(course, "mentor")).get_data(as_text=True)
    assert 'data-status="released"' in html
    assert html.count("<td>released") == 1 and "verified" in html

    results = learner.get(f"/results/{learner.id}").get_data(as_text=True)
    assert "mastery reached" in results and "Good verbs." not in results
    assert "You showed coherence at step 3." in results


def test_assessor_cannot_verify_own_scoring_through_the_page(course, app):
    teacher = course["teacher"]
    teacher.post(sheet_path(course, "teacher"), levels_form(all_at(3)))
    rev = revision_in(teacher.get(sheet_path(course, "teacher")).get_data(as_text=True))
    response = teacher.post(
        f"/assess/{teacher.id}/assessments/{assessment_id(app)}/moderate",
        {"revision": rev, "action": "verify", "confirm_self": "yes"},
    )
    assert response.status_code == 403
    assert 'data-refusal="four_eyes"' in response.get_data(as_text=True)


def test_second_mentor_gets_a_conflict_and_keeps_their_choices(course, app):
    first = course["teacher"].post(
        sheet_path(course, "teacher"), levels_form(all_at(2), action="draft")
    )
    assert first.status_code == 303
    second = course["mentor"].post(
        sheet_path(course, "mentor"),
        levels_form(all_at(4), action="draft") | {"note-range": "Mine."},
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "Teacher changed this assessment" in html
    assert re.search(r'name="level-range" value="4"[^>]*checked', html)
    assert "Mine." in html
    # The other person's saved version, in the rubric's words.
    saved = re.search(r"data-saved-version>(.*?)</p>", html).group(1)
    assert saved.startswith("Saved version now: Coherence at level 2, Developing;")
    assert "Range at level 2, Developing" in saved and "range" not in saved
    with app.app_context():
        row = db.session.scalars(db.select(Assessment)).one()
        assert set(row.levels.values()) == {2}


def test_other_course_staff_cannot_release_or_return(course, app):
    course["mentor"].post(sheet_path(course, "mentor"), levels_form(all_at(1)))
    outsider = course["outsider"]
    aid = assessment_id(app)
    release = outsider.post(
        f"/assess/{outsider.id}/assessments/{aid}/release", {"revision": "2"}
    )
    assert release.status_code == 403
    back = outsider.post(
        f"/assess/{outsider.id}/submissions/{course['submission']}/return",
        {"revision": "2"},
    )
    assert back.status_code == 403
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "scored"


def test_batch_release_and_return(course, app):
    mentor = course["mentor"]
    mentor.post(sheet_path(course, "mentor"), levels_form(all_at(1)))
    aid = assessment_id(app)
    queue = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    item = re.search(r'name="item" value="([\d:]+)"', queue).group(1)
    page = mentor.post(f"/assess/{mentor.id}/release", {"item": [item, "99:1"]})
    assert 'data-released="1"' in page.get_data(as_text=True)
    assert 'data-refused="99"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "released"
    back = mentor.post(
        f"/assess/{mentor.id}/submissions/{course['submission']}/return",
        {"revision": "3"},
    )
    assert back.status_code == 409


def test_learner_batch_release_is_refused_up_front(course, app):
    course["mentor"].post(sheet_path(course, "mentor"), levels_form(all_at(1)))
    aid = assessment_id(app)
    learner = course["learner"]
    denied = learner.post(f"/assess/{learner.id}/release", {"item": [f"{aid}:1"]})
    assert denied.status_code == 403
    with app.app_context():
        assert db.session.get(Assessment, aid).status != "released"


def test_roster_unavailable_without_nrps(course):
    html = (
        course["mentor"]
        .get(f"/assess/{course['mentor'].id}/roster")
        .get_data(as_text=True)
    )
    assert 'data-roster="unavailable"' in html
    denied = course["learner"].get(f"/assess/{course['learner'].id}/roster")
    assert denied.status_code == 403


def test_roster_lists_who_has_not_handed_in(course, client, platform, app):
    nrps = {"context_memberships_url": MEMBERS_URL, "service_versions": ["2.0"]}
    mentor = launch_as(client, platform, "mentor", MENTOR, **{Claim.NRPS: nrps})
    adapter = NrpsAdapter(
        {
            MEMBERS_URL: (
                [member(1), {"user_id": "learner", "roles": LEARNER}],
                f'<{MEMBERS_URL}?p=2>; rel="next"',
            ),
            f"{MEMBERS_URL}?p=2": ([member(2), member(3, TEACHER[0])], None),
        }
    )
    app.extensions["pathmark"].http.mount(platform.issuer, adapter)
    html = mentor.get(f"/assess/{mentor.id}/roster").get_data(as_text=True)
    assert re.findall(r'data-missing="(\w+)"', html) == ["u1", "u2"]


def test_consistency_page(course):
    response = course["teacher"].get(f"/assess/{course['teacher'].id}/consistency")
    assert response.status_code == 200
    assert "No submission has been scored independently by two" in response.get_data(
        as_text=True
    )
    denied = course["learner"].get(f"/assess/{course['learner'].id}/consistency")
    assert denied.status_code == 403


def test_activity_pages_link_to_queue_and_results(course, client):
    for who, marker in (
        ("mentor", "data-queue-link"),
        ("learner", "data-results-link"),
    ):
        session = course[who]
        html = session.get(f"/activity/{session.id}").get_data(as_text=True)
        assert marker in html and f"lt={session.token}" in html


def test_onboarding_guide_until_the_first_decision(course):
    mentor = course["mentor"]
    html = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    assert "data-onboarding" in html and "Do not download recordings" in html
    assert "Tell me what happened" in html  # the credential's scoring guide
    mentor.post(sheet_path(course, "mentor"), levels_form({"range": "2"}, "draft"))
    html = mentor.get(f"/assess/{mentor.id}/queue").get_data(as_text=True)
    assert "data-onboarding" not in html
