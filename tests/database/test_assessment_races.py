"""Two staff members save the same assessment at the same moment.

Both requests read revision N, then race to write: exactly one save wins
and the other is told of the conflict; nothing is overwritten silently.
"""

from __future__ import annotations

from lti_tool import assessments
from lti_tool.db import db
from lti_tool.models import Assessment, AuditEntry
from lti_tool.services import services
from tests.assessment_factory import all_at, world
from tests.database.races import race
from tests.platform_fake import FakePlatform


def test_simultaneous_saves_one_wins_one_conflicts(app):
    FakePlatform(app).register()
    with app.app_context():
        w = world()
        course = w.course()
        link = w.link(course)
        learner = w.person(course, "learner", "learner")
        mentor = w.person(course, "mentor", "mentor")
        teacher = w.person(course, "teacher", "instructor")
        submission = w.submission(link, learner)
        first = assessments.save(
            mentor, submission.id, revision=0, levels={"range": "2"}, notes={}
        )
        tokens = {}
        for who in (mentor, teacher):
            launch_id = w.launch(link, who, "staff")
            tokens[launch_id] = services().tokens.issue(launch_id)
        db.session.commit()
        revision, submission_id = first.revision, submission.id

    posts = [
        (
            f"/assess/{launch_id}/submissions/{submission_id}",
            {"lt": token, "revision": str(revision), "action": "draft"}
            | {f"level-{k}": v for k, v in all_at(level).items()},
        )
        for (launch_id, token), level in zip(tokens.items(), (3, 4), strict=True)
    ]
    results = race(app, posts, "UPDATE ASSESSMENT")

    statuses = sorted(r.status_code for r in results)
    assert statuses == [303, 409], [r.get_data(as_text=True)[:300] for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert "saved this assessment at the same moment" in loser.get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(db.select(Assessment)).one()
        assert row.revision == revision + 1
        assert len(set(row.levels.values())) == 1 and len(row.levels) == 4
        saves = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "draft_saved")
        ).all()
        assert len(saves) == 2  # the first draft and the one winner
