"""One mentor's first two decisions on a credential, submitted together.

On PostgreSQL both requests find no tally and race to create it: both
scorings are saved and the tally counts both. SQLite lets one writer in at
a time (the second request waits for the first's commit before it reads the
tally), so there is no race to test there.
"""

from __future__ import annotations

import pytest

from lti_tool.db import db
from lti_tool.models import Assessment, SamplingTally
from lti_tool.services import services
from tests.assessment_factory import all_at, world
from tests.database.races import race
from tests.platform_fake import FakePlatform


def test_two_first_decisions_at_once_are_both_counted(app):
    FakePlatform(app).register()
    with app.app_context():
        w = world(moderation={"mode": "sample", "sample_share": 0.5})
        course = w.course()
        link = w.link(course)
        mentor = w.person(course, "mentor", "mentor")
        submissions = [
            w.submission(link, w.person(course, f"learner-{n}", "learner")).id
            for n in range(2)
        ]
        launch_id = w.launch(link, mentor, "staff")
        token = services().tokens.issue(launch_id)
        db.session.commit()
        sqlite = db.engine.dialect.name == "sqlite"

    form = {"lt": token, "revision": "0", "action": "submit"}
    posts = [
        (
            f"/assess/{launch_id}/submissions/{sid}",
            form | {f"level-{k}": v for k, v in all_at(4).items()},
        )
        for sid in submissions
    ]
    if sqlite:
        pytest.skip("SQLite admits one writer at a time: nothing races")
    results = race(app, posts, "INSERT INTO SAMPLING_TALLY")

    statuses = [r.status_code for r in results]
    assert statuses == [303, 303], [r.get_data(as_text=True)[:300] for r in results]
    with app.app_context():
        tally = db.session.scalars(db.select(SamplingTally)).one()
        assert tally.seen == 2
        picked = db.session.scalars(
            db.select(Assessment).where(Assessment.moderation_required.is_(True))
        ).all()
        assert tally.picked == len(picked) == 1  # a share of 0.5 over two
