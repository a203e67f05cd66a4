"""``lti-tool grades``: the score outbox from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from lti_tool import grade_outbox as outbox
from lti_tool.db import db
from lti_tool.models import ScoreDelivery

Row = ScoreDelivery


@click.group()
def grades() -> None:
    """Scores on their way to LMS gradebooks (AGS)."""


def _sync():
    return current_app.extensions["pathmark.grading"]


@grades.command("status")
@click.option("--activity", type=int, default=None, help="A resource link id.")
@with_appcontext
def status(activity: int | None) -> None:
    """Count scores by state; list those that failed and why."""
    query = select(Row.status, func.count()).group_by(Row.status)
    failed = select(Row).where(Row.status == Row.FAILED).order_by(Row.id)
    if activity is not None:
        query = query.where(Row.resource_link_id == activity)
        failed = failed.where(Row.resource_link_id == activity)
    counts = dict(db.session.execute(query).all())
    for name in (Row.PENDING, Row.SENDING, Row.SENT, Row.FAILED, Row.SUPERSEDED):
        click.echo(f"{name}\t{counts.get(name, 0)}")
    for row in db.session.scalars(failed):
        click.echo(
            f"failed #{row.id} activity {row.resource_link_id} person "
            f"{row.person_id} ({row.outcome}): {row.last_message}"
        )


@grades.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="Only these scores.")
@with_appcontext
def retry(ids: tuple[int, ...]) -> None:
    """Queue failed scores again, once the cause is fixed."""
    count = outbox.retry_failed(list(ids) or None, _sync().clock())
    click.echo(f"Queued {count} failed score(s) again")


@grades.command("resync")
@click.option("--activity", type=int, default=None, help="A resource link id.")
@click.option("--learner", type=int, default=None, help="A person id.")
@with_appcontext
def resync(activity: int | None, learner: int | None) -> None:
    """Send each learner's latest score again, with a fresh timestamp."""
    now = _sync().clock()
    total = 0
    for link in outbox.links_with_scores(activity):
        total += outbox.resync(link.id, learner, now)
    db.session.commit()
    click.echo(f"Queued {total} score(s)")


@grades.command("worker")
@click.option("--once", is_flag=True, help="Drain what is due, then stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Send queued scores until stopped; the same as ``lti-tool worker``."""
    from lti_tool.grade_jobs import run_consumer

    if once:
        counts = _sync().drain()
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "idle")
        return
    run_consumer(current_app._get_current_object(), None)  # type: ignore[attr-defined]
