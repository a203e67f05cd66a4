"""Scoring, moderation, release and return through the service layer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lti_tool import assessments, consistency, mentor_queue, releases, signals
from lti_tool.db import db
from lti_tool.models import Assessment, AuditEntry, ScoreDelivery, Submission
from lti_tool.moderation import Action, Code, Refused
from lti_tool.vocab import Claim, Scope
from tests.assessment_factory import all_at, world


@pytest.fixture
def scene(app, platform):
    ctx = app.app_context()
    ctx.push()
    w = world()
    course, other = w.course("course-1"), w.course("course-2")
    link, other_link = w.link(course, "link-1"), w.link(other, "link-2")
    s = SimpleNamespace(
        world=w,
        course=course,
        link=link,
        other_link=other_link,
        learner=w.person(course, "learner", "learner"),
        mentor=w.person(course, "mentor", "mentor"),
        teacher=w.person(course, "teacher", "instructor"),
        second=w.person(course, "second", "instructor"),
        ta=w.person(course, "ta", "ta"),
        outsider=w.person(other, "outsider", "instructor"),
    )
    s.submission = w.submission(link, s.learner)
    db.session.commit()
    yield s
    db.session.rollback()
    ctx.pop()


@pytest.fixture
def released_events():
    caught = []

    def receiver(sender, event):
        # Runs inside the release's transaction: the row is already changed.
        row = db.session.get(Assessment, event.assessment_id)
        caught.append((event, row.status, db.session().in_transaction()))

    signals.assessment_released.connect(receiver)
    yield caught
    signals.assessment_released.disconnect(receiver)


def refused(code: Code, fn, *args, **kwargs) -> Refused:
    with pytest.raises(Refused) as caught:
        fn(*args, **kwargs)
    db.session.rollback()
    assert caught.value.code is code, caught.value.message
    return caught.value


def score(s, who, levels, *, submit=True, revision=0, draw=0.5):
    row = assessments.save(
        who,
        s.submission.id,
        revision=revision,
        levels=levels,
        notes={"range": "Lovely idioms."},
        submit=submit,
        draw=draw,
    )
    db.session.commit()
    return row


def test_draft_then_submit_applies_the_policy_and_is_audited(scene):
    draft = score(scene, scene.mentor, {"range": "3"}, submit=False)
    assert draft.status == "draft" and draft.revision == 1
    row = score(scene, scene.mentor, all_at(3), revision=1)
    assert row.status == "scored" and row.revision == 2
    assert row.total == 12.0 and row.mastery is True
    assert row.moderation_required
    assert row.moderation_reason == "policy: every mastery decision"
    trail = assessments.audit_of(scene.submission.id)
    assert [(e.action, e.from_status, e.to_status) for e in trail] == [
        ("draft_saved", "draft", "draft"),
        ("scored", "draft", "scored"),
    ]
    assert trail[1].actor_id == scene.mentor.person_id
    assert trail[1].detail["levels"]["range"] == 3
    assert "Lovely" not in str(trail[1].detail)


def test_learner_and_other_course_staff_cannot_score(scene):
    refused(Code.NOT_STAFF, score, scene, scene.learner, all_at(3))
    refused(Code.OTHER_COURSE, score, scene, scene.outsider, all_at(3))
    assert assessments.assessment_of(scene.submission.id) is None


@pytest.mark.parametrize(
    ("levels", "text"),
    [
        (all_at(3) | {"range": "7"}, "Range: there is no level 7"),
        (all_at(3) | {"tone": "2"}, "no criterion 'tone'"),
        ({"range": "3"}, "no level chosen for Coherence, Fluency"),
    ],
)
def test_bad_sheets_are_refused_with_the_reason(scene, levels, text):
    error = refused(Code.BAD_SHEET, score, scene, scene.mentor, levels)
    assert text in error.message


def test_a_learners_unsubmitted_draft_cannot_be_scored(scene):
    draft = scene.world.submission(scene.link, scene.learner, "draft", attempt=2)
    db.session.commit()
    refused(
        Code.WRONG_STATE,
        assessments.save,
        scene.mentor,
        draft.id,
        revision=0,
        levels=all_at(3),
        notes={},
    )


def test_second_mentor_saving_a_stale_screen_gets_a_conflict(scene):
    # Both opened the blank sheet (revision 0); the teacher saved first.
    score(scene, scene.teacher, all_at(2), submit=False)
    error = refused(Code.CONFLICT, score, scene, scene.mentor, all_at(4))
    assert "teacher changed this assessment" in error.message
    row = assessments.assessment_of(scene.submission.id)
    assert row.levels == dict.fromkeys(row.levels, 2)
    assert row.updated_by_id == scene.teacher.person_id


def test_assessor_cannot_verify_own_scoring(scene):
    row = score(scene, scene.teacher, all_at(3))
    refused(
        Code.FOUR_EYES,
        releases.moderate,
        scene.teacher,
        row.id,
        revision=row.revision,
        action=Action.VERIFY,
        confirm_self=True,
    )


def test_only_instructors_moderate(scene):
    row = score(scene, scene.mentor, all_at(3))
    for who in (scene.ta, scene.mentor):
        refused(
            Code.NOT_MODERATOR,
            releases.moderate,
            who,
            row.id,
            revision=row.revision,
            action=Action.VERIFY,
        )
    refused(
        Code.NOT_STAFF,
        releases.moderate,
        scene.learner,
        row.id,
        revision=row.revision,
        action=Action.VERIFY,
    )
    refused(
        Code.OTHER_COURSE,
        releases.moderate,
        scene.outsider,
        row.id,
        revision=row.revision,
        action=Action.VERIFY,
    )


def test_release_before_moderation_is_refused(scene, released_events):
    row = score(scene, scene.mentor, all_at(3))
    error = refused(
        Code.NEEDS_MODERATION,
        releases.release,
        scene.teacher,
        row.id,
        revision=row.revision,
        sender="test",
    )
    assert "second person" in error.message
    assert released_events == []


def test_verify_then_release_sends_a_full_event_inside_the_transaction(
    scene, released_events
):
    row = score(scene, scene.mentor, all_at(3))
    row = releases.moderate(
        scene.teacher, row.id, revision=row.revision, action=Action.VERIFY
    )
    db.session.commit()
    assert row.status == "moderated" and row.moderator_id == scene.teacher.person_id
    event = releases.release(scene.mentor, row.id, revision=row.revision, sender="t")
    db.session.commit()
    (sent, status_seen, in_tx), *_ = released_events
    assert sent is event and status_seen == "released" and in_tx
    assert event.score_given == 12.0 and event.score_maximum == 16.0
    assert event.mastery is True
    assert event.levels == dict.fromkeys(event.levels, 3)
    assert event.assessor_id == scene.mentor.person_id
    assert event.moderator_id == scene.teacher.person_id
    assert event.credential_version_id == scene.world.version_id
    assert event.person_id == scene.learner.person_id
    assert event.comment == "Mastery reached: Tell me what happened (12/16)."
    assert [a.sha256 for a in event.evidence] == ["ab" * 32]
    assert scene.submission.final_at is not None
    # Released work never changes again.
    refused(
        Code.WRONG_STATE,
        score,
        scene,
        scene.mentor,
        all_at(4),
        revision=row.revision,
    )


def test_release_queues_the_gradebook_score_in_the_same_transaction(scene):
    ags = {
        "scope": [Scope.SCORE.value],
        "lineitem": "https://lms.example.edu/lineitems/7",
    }
    w = scene.world
    learner = w.person(scene.course, "graded", "learner")
    sub = w.submission(scene.link, learner, claims={Claim.AGS_ENDPOINT: ags})
    row = assessments.save(
        scene.mentor, sub.id, revision=0, levels=all_at(2), notes={}, submit=True
    )
    db.session.commit()
    releases.release(scene.mentor, row.id, revision=row.revision, sender="t")
    db.session.commit()
    queued = db.session.scalars(
        db.select(ScoreDelivery).where(ScoreDelivery.kind == "release")
    ).one()
    assert queued.source_id == row.id and queued.person_id == learner.person_id
    assert queued.score["scoreGiven"] == 8.0
    assert queued.score["scoreMaximum"] == 16.0
    assert queued.score["gradingProgress"] == "FullyGraded"


def test_a_failing_receiver_leaves_nothing_released(scene):
    row = score(scene, scene.mentor, all_at(2))  # not mastery: no moderation

    def broken(sender, event):
        raise RuntimeError("grade sync unavailable")

    signals.assessment_released.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            releases.release(scene.mentor, row.id, revision=row.revision, sender="t")
        db.session.rollback()
    finally:
        signals.assessment_released.disconnect(broken)
    assert db.session.get(Assessment, row.id).status == "scored"
    actions = [e.action for e in assessments.audit_of(scene.submission.id)]
    assert "released" not in actions


def test_adjusting_keeps_both_scorings_and_release_uses_the_moderators(
    scene, released_events
):
    row = score(scene, scene.mentor, all_at(3))
    row = releases.moderate(
        scene.teacher,
        row.id,
        revision=row.revision,
        action=Action.ADJUST,
        levels=all_at(3) | {"fluency": "2"},
    )
    db.session.commit()
    assert row.levels["fluency"] == 3  # the assessor's, kept
    assert row.moderations[-1].levels["fluency"] == 2
    event = releases.release(scene.teacher, row.id, revision=row.revision, sender="t")
    assert event.levels["fluency"] == 2 and event.mastery is False
    assert event.score_given == 11.0

    (section,), names = consistency.consistency(scene.teacher)
    report = section.report
    assert section.criteria["fluency"] == "Fluency"
    assert report.by_criterion["fluency"].exact == 0.0
    assert report.by_criterion["range"].exact == 1.0
    assert report.severity_by_assessor[scene.mentor.person_id] == 0.25
    assert names[scene.mentor.person_id] == "mentor"


def test_send_back_needs_a_note_and_returns_to_draft(scene):
    row = score(scene, scene.mentor, all_at(3))
    refused(
        Code.BAD_SHEET,
        releases.moderate,
        scene.teacher,
        row.id,
        revision=row.revision,
        action=Action.SEND_BACK,
    )
    row = releases.moderate(
        scene.teacher,
        row.id,
        revision=row.revision,
        action=Action.SEND_BACK,
        note="Check fluency against the descriptor.",
    )
    db.session.commit()
    assert row.status == "draft" and row.send_back_note.startswith("Check")
    row = score(
        scene, scene.mentor, all_at(3) | {"fluency": "2"}, revision=row.revision
    )
    assert row.status == "scored" and row.send_back_note == ""


def test_self_verification_when_sole_staff_and_allowed(app, platform):
    with app.app_context():
        w = world(moderation={"mode": "every_mastery", "allow_self_verification": True})
        course = w.course("solo")
        link = w.link(course, "solo-link")
        learner = w.person(course, "l", "learner")
        teacher = w.person(course, "t", "instructor")
        sub = w.submission(link, learner)
        row = assessments.save(
            teacher, sub.id, revision=0, levels=all_at(4), notes={}, submit=True
        )
        db.session.commit()
        with pytest.raises(Refused, match="explicit confirmation"):
            releases.moderate(
                teacher, row.id, revision=row.revision, action=Action.VERIFY
            )
        db.session.rollback()
        row = releases.moderate(
            teacher,
            row.id,
            revision=row.revision,
            action=Action.VERIFY,
            confirm_self=True,
        )
        db.session.commit()
        assert row.self_verified and row.moderations[-1].self_verified
        trail = assessments.audit_of(sub.id)
        assert trail[-1].detail["self_verified"] is True


def test_policy_none_releases_straight_from_scored(app, platform, released_events):
    with app.app_context():
        w = world(moderation={"mode": "none"})
        course = w.course("c")
        link = w.link(course)
        learner = w.person(course, "l", "learner")
        mentor = w.person(course, "m", "mentor")
        sub = w.submission(link, learner)
        row = assessments.save(
            mentor, sub.id, revision=0, levels=all_at(4), notes={}, submit=True
        )
        assert not row.moderation_required
        releases.release(mentor, row.id, revision=row.revision, sender="t")
        db.session.commit()
        assert released_events[0][0].moderator_id is None


def test_return_for_resubmission(scene):
    row = score(scene, scene.mentor, {"range": "1"}, submit=False)
    row = assessments.return_for_resubmission(
        scene.mentor, scene.submission.id, revision=row.revision, note="Too short."
    )
    db.session.commit()
    assert row.status == "returned"
    assert db.session.get(Submission, scene.submission.id).status == "returned"
    refused(Code.WRONG_STATE, score, scene, scene.mentor, all_at(3), revision=2)
    refused(
        Code.WRONG_STATE,
        releases.release,
        scene.mentor,
        row.id,
        revision=row.revision,
        sender="t",
    )
    refused(
        Code.NOT_STAFF,
        assessments.return_for_resubmission,
        scene.learner,
        scene.submission.id,
        revision=row.revision,
    )


def test_learner_sees_only_released_results(scene):
    row = score(scene, scene.mentor, all_at(2))
    assert releases.results_for(scene.learner, scene.link.id) == []
    releases.release(scene.mentor, row.id, revision=row.revision, sender="t")
    db.session.commit()
    assert [r.id for r in releases.results_for(scene.learner, scene.link.id)] == [
        row.id
    ]
    assert releases.results_for(scene.mentor, scene.link.id) == []


def test_queue_buckets_counts_and_course_boundary(scene):
    w = scene.world
    late = w.submission(scene.link, w.person(scene.course, "l2", "learner"))
    late.late = True
    w.submission(scene.link, w.person(scene.course, "l3", "learner"), "draft")
    db.session.commit()
    score(scene, scene.mentor, all_at(3))
    found = mentor_queue.queue(scene.teacher, scene.link.id)
    assert found.counts == {
        "to_assess": 1,
        "to_moderate": 1,
        "with_moderator": 0,
        "to_release": 0,
        "returned": 0,
        "released": 0,
    }
    assert found.rows["to_assess"][0].late
    refused(Code.OTHER_COURSE, mentor_queue.queue, scene.teacher, scene.other_link.id)
    refused(Code.NOT_STAFF, mentor_queue.queue, scene.learner)
    assert sum(mentor_queue.queue(scene.outsider).counts.values()) == 0


def test_batch_release_releases_what_is_ready(scene, released_events):
    w = scene.world
    ready_sub = w.submission(scene.link, w.person(scene.course, "l2", "learner"))
    db.session.commit()
    pending = score(scene, scene.mentor, all_at(3))
    ready = assessments.save(
        scene.mentor,
        ready_sub.id,
        revision=0,
        levels=all_at(1),
        notes={},
        submit=True,
    )
    db.session.commit()
    result = releases.release_many(
        scene.teacher,
        [(pending.id, pending.revision), (ready.id, ready.revision)],
        sender="t",
    )
    db.session.commit()
    assert result.released == [ready.id]
    assert result.refused[0][0] == pending.id
    assert db.session.get(Assessment, ready.id).status == "released"
    assert db.session.get(Assessment, pending.id).status == "scored"


def test_audit_entries_cannot_change(scene):
    score(scene, scene.mentor, all_at(3))
    entry = db.session.scalars(db.select(AuditEntry)).first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(db.select(AuditEntry)).first())
    with pytest.raises(PermissionError):
        db.session.flush()


def test_a_scoring_sent_back_is_verified_again_whatever_the_sample_draws(app, platform):
    # A moderator's send-back is a doubt about this decision: the assessor's
    # next submission must not escape verification on a fresh random draw.
    with app.app_context():
        w = world(moderation={"mode": "sample", "sample_share": 0.5})
        course = w.course()
        link = w.link(course)
        learner = w.person(course, "learner", "learner")
        mentor = w.person(course, "mentor", "mentor")
        teacher = w.person(course, "teacher", "instructor")
        s = SimpleNamespace(submission=w.submission(link, learner))
        db.session.commit()

        row = score(s, mentor, all_at(4), draw=0.0)
        assert row.moderation_required
        row = releases.moderate(
            teacher,
            row.id,
            revision=row.revision,
            action=Action.SEND_BACK,
            note="Look at fluency again.",
        )
        db.session.commit()
        # This draw alone would leave the decision unpicked.
        row = score(s, mentor, all_at(4), revision=row.revision, draw=0.99)
        assert row.status == "scored"
        assert row.moderation_required
        assert "sent back" in row.moderation_reason
        refused(
            Code.NEEDS_MODERATION,
            releases.release,
            mentor,
            row.id,
            revision=row.revision,
            sender="test",
        )
