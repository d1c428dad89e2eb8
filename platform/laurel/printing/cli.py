"""``laurel print-jobs``: list print jobs and sweep stale ones."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from laurel.extensions import db
from laurel.printing import dispatch, tracking
from laurel.printing.models import PrintJob


@click.group("print-jobs", help="Print jobs of credentials and login sheets.")
def print_jobs_group() -> None:
    pass


@print_jobs_group.command("sweep")
@click.option(
    "--wait/--no-wait",
    default=True,
    help="Without Redis, wait for the jobs this command restarts in-process "
    "(default: wait, as they stop when the command exits).",
)
@with_appcontext
def sweep_command(wait: bool) -> None:
    """Refresh unfinished jobs from RQ and dispatch stale ones again.

    A job is stale after LAUREL_PRINT_STALE_SECONDS (default 600) without
    progress; run this from cron every few minutes.
    """
    report = tracking.sweep()
    click.echo(
        f"Checked {report.checked} unfinished jobs: {len(report.finished)} finished, "
        f"{len(report.redispatched)} dispatched again, {len(report.failed)} failed. "
        f"Deleted {report.purged} printed login sheets older than a day."
    )
    for job_id in report.redispatched:
        click.echo(f"dispatched again: {job_id}")
    for job_id in report.failed:
        click.echo(f"failed: {job_id}")
    if wait and report.redispatched and dispatch.mode() == "in_process":
        dispatch.wait_for_threads()


@print_jobs_group.command("list")
@click.option("--limit", default=20, show_default=True, help="Number of recent jobs.")
@with_appcontext
def list_command(limit: int) -> None:
    """List recent print jobs of every organisation, newest first."""
    jobs = db.session.scalars(
        select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
    )
    for job in jobs:
        click.echo(
            f"{job.job_id}\t{job.organisation.slug}\t{job.kind.value}\t"
            f"{job.status.value}\t{job.progress_done}/{job.progress_total}\t{job.title}"
        )
