"""Keeping print-job rows up to date: RQ's status, progress, results, the sweeper.

A job page calls ``refresh`` on its row: while RQ still has the job, its
status, ``meta["progress"]`` and result are copied into the row. When Redis
has lost or expired the job, the row keeps its last known state and the page
shows that. ``sweep`` re-dispatches jobs left pending or running too long.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from sqlalchemy import select

from laurel.credentials.verify import int_setting
from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.printing import dispatch, login_sheets, schemas
from laurel.printing.models import PrintJob, PrintKind, PrintStatus

log = logging.getLogger(__name__)

DEFAULT_STALE_SECONDS = 600
# RQ's worker updates a started job's heartbeat every 30 seconds by default
# (job_monitoring_interval), so a heartbeat older than this means that no
# worker is running the job any more.
HEARTBEAT_GRACE_SECONDS = 120
WAITING_STATUSES = {
    JobStatus.CREATED,
    JobStatus.DEFERRED,
    JobStatus.SCHEDULED,
    JobStatus.RATE_LIMITED,
    JobStatus.READY_TO_ENQUEUE,
}
LOST_LOGIN_SHEET = (
    "The job was lost before it finished, and a login sheet cannot be printed "
    "again because its passwords are not stored. Print it again from the "
    "import result while the passwords are shown, or reset the passwords."
)


@dataclass
class QueueState:
    """RQ's view of a job, for the job page."""

    # "unknown" (in-process or finished), "unreachable", "missing" or an RQ status.
    status: str
    position: int | None = None
    heartbeat: datetime | None = None

    @property
    def missing(self) -> bool:
        return self.status == "missing"


def stale_seconds() -> int:
    return int_setting("PRINT_STALE_SECONDS", DEFAULT_STALE_SECONDS)


def naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


# Reading RQ


def refresh(job: PrintJob) -> QueueState:
    """Copy RQ's view of an unfinished Redis job into its row; the caller commits."""
    if job.finished or job.dispatch != "redis" or dispatch.mode() != "redis":
        return QueueState("unknown")
    try:
        rq_job = dispatch.fetch_rq_job(job.rq_job_id or job.job_id)
        if rq_job is None:
            return QueueState("missing")
        return apply_rq_state(job, rq_job)
    except RedisError as error:
        log.warning("print job %s: reading RQ failed: %s", job.job_id, error)
        return QueueState("unreachable")


def apply_rq_state(job: PrintJob, rq_job: Job) -> QueueState:
    status = rq_job.get_status(refresh=False)
    state = QueueState(str(status.value), heartbeat=naive_utc(rq_job.last_heartbeat))
    if status == JobStatus.QUEUED:
        state.position = rq_job.get_position()
    elif status in WAITING_STATUSES:
        note_retry(job, rq_job)
    elif status == JobStatus.STARTED:
        job.mark_running(
            naive_utc(rq_job.started_at) or utcnow(), progress_done(rq_job)
        )
    elif status == JobStatus.FINISHED:
        finish(job, rq_job)
    else:  # failed, stopped or canceled
        job.record_failure(failure_message(rq_job, status), utcnow())
        forget_payload(job)
        log.info("print job %s failed in RQ: %s", job.job_id, job.error)
    return state


def progress_done(rq_job: Job) -> int:
    progress = rq_job.meta.get("progress")
    if isinstance(progress, dict) and isinstance(progress.get("done"), int):
        return progress["done"]
    return 0


def finish(job: PrintJob, rq_job: Job) -> None:
    result = rq_job.return_value()
    if not isinstance(result, dict) or not isinstance(result.get("files"), list):
        job.record_failure(
            "The printing service finished without a list of files.", utcnow()
        )
    else:
        job.record_result(result, utcnow())
        log.info("print job %s done: %d files", job.job_id, len(job.outputs))
    forget_payload(job)


def forget_payload(job: PrintJob) -> None:
    # A login sheet's payload contains passwords: once its outcome is in the
    # row, nothing in Redis needs it.
    if job.kind is PrintKind.LOGIN_SHEET:
        dispatch.delete_rq_job_after_commit(job.job_id)


def last_error_line(exc_string: str | None) -> str:
    lines = [line.strip() for line in (exc_string or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no error message"


def failure_message(rq_job: Job, status: JobStatus) -> str:
    if status != JobStatus.FAILED:
        return f"The job was {status.value} in RQ before it finished."
    result = rq_job.latest_result()
    return (
        f"The printing service failed: {last_error_line(result and result.exc_string)}"
    )


def note_retry(job: PrintJob, rq_job: Job) -> None:
    result = rq_job.latest_result()
    if result is not None and result.exc_string:
        job.error = (
            f"An attempt failed and RQ retries it: {last_error_line(result.exc_string)}"
        )


# The sweeper


@dataclass
class SweepReport:
    checked: int = 0
    finished: list[str] = field(default_factory=list)
    redispatched: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Printed login sheets deleted for being older than a day.
    purged: int = 0


def sweep(now: datetime | None = None, org_id: int | None = None) -> SweepReport:
    """Refresh every unfinished job and re-dispatch the stale ones; commits.

    A job is stale when it was handed over more than LAUREL_PRINT_STALE_SECONDS
    ago and nothing runs it or has it queued: Redis lost it, RQ lost it from the
    queue, its worker stopped sending heartbeats, or (in-process) no thread
    of this process runs it. A job still waiting in the queue is left there,
    because queueing it twice would not make a worker come sooner.
    """
    now = now or utcnow()
    report = SweepReport()
    query = select(PrintJob).where(
        PrintJob.status.in_([PrintStatus.PENDING, PrintStatus.RUNNING])
    )
    if org_id is not None:
        query = query.where(PrintJob.org_id == org_id)
    for job in db.session.scalars(query.order_by(PrintJob.id)).all():
        report.checked += 1
        sweep_one(job, now, report)
        db.session.commit()
    report.purged = login_sheets.purge_old_sheets(now, org_id)
    db.session.commit()
    return report


def sweep_one(job: PrintJob, now: datetime, report: SweepReport) -> QueueState:
    """Refresh one job and re-dispatch it when stale; return RQ's view of it."""
    state = refresh(job)
    if job.finished:
        report.finished.append(job.job_id)
    elif is_stale(job, state, now):
        redispatch(job, now, report)
    return state


def is_stale(job: PrintJob, state: QueueState, now: datetime) -> bool:
    handed_over = job.enqueued_at or job.created_at
    if now - handed_over < timedelta(seconds=stale_seconds()):
        return False
    if job.dispatch != dispatch.mode():
        return True  # dispatched under another configuration: nothing tracks it
    if job.dispatch == "in_process":
        return not dispatch.thread_alive(job.job_id)
    if state.missing:
        return True
    if state.status == JobStatus.QUEUED.value:
        return state.position is None
    if state.status == JobStatus.STARTED.value:
        beat = state.heartbeat or job.started_at or handed_over
        return now - beat > timedelta(seconds=HEARTBEAT_GRACE_SECONDS)
    return False


def redispatch(job: PrintJob, now: datetime, report: SweepReport) -> None:
    """Hand ``job`` over again with the same job id and output key."""
    if job.kind is PrintKind.LOGIN_SHEET:
        job.record_failure(LOST_LOGIN_SHEET, now)
        report.failed.append(job.job_id)
        log.warning("print job %s: lost login sheet marked failed", job.job_id)
        return
    payload = schemas.credentials_payload(job)
    job.mark_pending(now)
    job.dispatch = dispatch.mode()
    dispatch.dispatch_after_commit(
        dispatch.Dispatch(job.job_id, job.kind, payload, len(job.items))
    )
    report.redispatched.append(job.job_id)
    log.warning(
        "print job %s was stale; dispatched again (%s, dispatch %d)",
        job.job_id,
        job.dispatch,
        job.dispatch_count,
    )
