"""Self-verification counts the course's instructors on the LMS roster too."""

from __future__ import annotations

import pytest

from lti_tool.db import db
from lti_tool.models import Assessment
from lti_tool.vocab import Claim, ContextRole
from tests.unit.test_assessment_pages import TEACHER, launch_as, revision_in
from tests.unit.test_roster import MEMBERS_URL, NrpsAdapter, member
from tests.unit.test_self_verify_offer import solo_course, verify

NRPS = {"context_memberships_url": MEMBERS_URL, "service_versions": ["2.0"]}
TA = ContextRole.TEACHING_ASSISTANT.value


def with_roster(app, client, platform, people: list[dict], status: int = 200):
    """The sole teacher's scored work, seen from a launch offering a roster."""
    _, path, aid = solo_course(app, client, platform, allow=True, second_staff=None)
    pages = {MEMBERS_URL: (people, None)} if status == 200 else {}
    adapter = NrpsAdapter(pages)
    app.extensions["pathmark"].http.mount(platform.issuer, adapter)
    teacher = launch_as(client, platform, "teacher", TEACHER, **{Claim.NRPS: NRPS})
    path = path.replace(path.split("/")[2], teacher.id, 1)
    return teacher, path, aid, adapter


def the_teacher() -> dict:
    return {"user_id": "teacher", "roles": TEACHER}


def test_a_second_instructor_who_never_launched_counts(app, client, platform):
    roster = [the_teacher(), member(7, TEACHER[0]), member(1)]
    teacher, path, aid, adapter = with_roster(app, client, platform, roster)
    html = teacher.get(path).get_data(as_text=True)
    assert "data-confirm-self" not in html
    assert 'data-moderation="other-person"' in html
    assert any(r.url == MEMBERS_URL for r in adapter.requests)
    queue = teacher.get(f"/assess/{teacher.id}/queue").get_data(as_text=True)
    assert 'data-count="with_moderator">1<' in queue
    forced = verify(teacher, aid, revision_in(html), confirm=True)
    assert forced.status_code == 403
    assert "Another instructor of this course can verify" in forced.get_data(True)
    with app.app_context():
        assert db.session.get(Assessment, aid).status == "scored"


@pytest.mark.parametrize(
    "others",
    [
        [member(1)],  # learners only
        [member(8, TA)],  # a teaching assistant scores but does not verify
        [member(9, TEACHER[0]) | {"status": "Inactive"}],  # no longer there
    ],
    ids=["learners", "ta", "inactive"],
)
def test_roster_without_another_verifier_keeps_self_verification(
    app, client, platform, others
):
    teacher, path, aid, _ = with_roster(app, client, platform, [the_teacher(), *others])
    html = teacher.get(path).get_data(as_text=True)
    assert "data-confirm-self" in html
    queue = teacher.get(f"/assess/{teacher.id}/queue").get_data(as_text=True)
    assert 'data-count="to_moderate">1<' in queue
    confirmed = verify(teacher, aid, revision_in(html), confirm=True)
    assert confirmed.status_code == 303
    with app.app_context():
        row = db.session.get(Assessment, aid)
        assert row.status == "moderated" and row.self_verified


def test_a_roster_the_lms_cannot_deliver_closes_self_verification(
    app, client, platform
):
    teacher, path, aid, _ = with_roster(app, client, platform, [], status=404)
    html = teacher.get(path).get_data(as_text=True)
    assert "data-confirm-self" not in html
    with app.app_context():
        revision = str(db.session.get(Assessment, aid).revision)
    refused = verify(teacher, aid, revision, confirm=True)
    assert refused.status_code == 403
    assert "could not read the course roster" in refused.get_data(True)
