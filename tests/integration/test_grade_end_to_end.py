"""A learner's real submission, through evidence intake, reaches the gradebook."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from lti_tool.db import db
from lti_tool.models import Registration, ScoreDelivery
from lti_tool.vocab import Claim, ContextRole, Scope
from tests import recording_samples as rec
from tests.ags_peer import AgsPeer
from tests.evidence_helpers import KEY, Session, place_credential
from tests.platform_fake import CLIENT_ID


@pytest.fixture
def lms(app, platform):
    """The fake platform for the launch; the AGS peer for its services."""
    peer = AgsPeer(app.extensions["pathmark"].keyring.jwks, CLIENT_ID).start()
    peer.gradable.add("user-1")
    with app.app_context():
        db.session.execute(update(Registration).values(auth_token_url=peer.token_url))
        db.session.commit()
    yield peer
    peer.stop()


def launch_with_ags(app, platform, peer, role=ContextRole.LEARNER.value) -> Session:
    item = peer.add_line_item(resourceLinkId="link-1")
    client = app.test_client()
    response, _, _ = platform.launch(
        client,
        **{
            Claim.ROLES: [role],
            Claim.RESOURCE_LINK: {"id": "link-1", "title": "Tell me"},
            Claim.CUSTOM: {"credential": KEY},
            Claim.AGS_ENDPOINT: {
                "scope": [Scope.SCORE.value, Scope.LINEITEM_READONLY.value],
                "lineitems": peer.lineitems_url,
                "lineitem": peer.lineitem_url(item),
            },
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    return Session(
        client, location.path.rsplit("/", 1)[-1], parse_qs(location.query)["lt"][0]
    )


def test_submitting_evidence_queues_and_sends_pending_manual(app, platform, lms):
    place_credential(app, resubmission=False)
    learner = launch_with_ags(app, platform, lms)
    submission = learner.start()
    response = learner.post_file(submission, rec.webm(100.0), duration="100")
    assert response.status_code == 200
    assert learner.submit(submission).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ScoreDelivery))
        assert (row.kind, row.source_id, row.status) == (
            "submission",
            submission,
            "pending",
        )
        assert app.extensions["pathmark.grading"].drain() == {"delivered": 1}
    (body,) = lms.accepted
    assert body["userId"] == "user-1"
    assert (body["activityProgress"], body["gradingProgress"]) == (
        "Submitted",
        "PendingManual",
    )
    assert body["scoreMaximum"] == 16.0 and "scoreGiven" not in body
