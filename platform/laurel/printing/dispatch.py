"""Handing print jobs to the printing service, after the request commits.

With LAUREL_REDIS_URL set, a job is enqueued on the RQ queue ``credentials``
by the dotted name of its job function, for ``laurel-printing worker`` to
run. Without Redis, the same function is imported by that name and run in a
background thread of this process, so a request returns at once and the job
page follows the row. The core never imports ``laurel_printing`` itself.

A job is handed over only after the transaction that created its row has
committed: ``dispatch_after_commit`` keeps the job in the session until an
``after_commit`` event, and a rollback drops it.
"""

from __future__ import annotations

import importlib
import logging
import threading
import traceback
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.printing.models import PrintJob, PrintKind

log = logging.getLogger(__name__)

QUEUE_NAME = "credentials"
JOB_FUNCTIONS = {
    PrintKind.CREDENTIALS: "laurel_printing.jobs.render_credentials",
    PrintKind.LOGIN_SHEET: "laurel_printing.jobs.render_login_sheet",
}
# Job timeout: a start-up allowance plus a rate per credential or login row,
# about 20 times the render cost the printing service measures per item.
BASE_TIMEOUT_SECONDS = 120
SECONDS_PER_ITEM = {PrintKind.CREDENTIALS: 0.2, PrintKind.LOGIN_SHEET: 0.02}
RETRY_MAX = 2
RETRY_INTERVALS_SECONDS = [10, 60]
# How long Redis keeps a finished or failed job, payload included. A login
# sheet's payload contains passwords, so it is kept briefly, and the platform
# deletes the job as soon as it has copied the result into the row.
RESULT_TTL_SECONDS = {PrintKind.CREDENTIALS: 24 * 3600, PrintKind.LOGIN_SHEET: 15 * 60}
PENDING_KEY = "laurel.printing.dispatches"
DELETE_KEY = "laurel.printing.rq_deletions"
REDIS_KEY = "laurel.printing.redis"


class PrintServiceMissing(RuntimeError):
    """The job function cannot be imported in-process."""


@dataclass(frozen=True)
class Dispatch:
    """A job to hand over once its row is committed."""

    job_id: str
    kind: PrintKind
    payload: dict[str, Any]
    count: int

    def __repr__(self) -> str:  # the payload may hold passwords: never show it
        return f"<Dispatch {self.job_id} {self.kind} of {self.count}>"


def mode(app: Flask | None = None) -> str:
    """Return "redis" when LAUREL_REDIS_URL is set, else "in_process"."""
    app = app or current_app
    return "redis" if app.config.get("LAUREL_REDIS_URL") else "in_process"


# After-commit hand-over


def dispatch_after_commit(dispatch: Dispatch) -> None:
    """Hand ``dispatch`` to RQ or a thread when the current transaction commits."""
    db.session.info.setdefault(PENDING_KEY, []).append(dispatch)


def delete_rq_job_after_commit(job_id: str) -> None:
    """Delete RQ job ``job_id`` from Redis when the current transaction commits."""
    db.session.info.setdefault(DELETE_KEY, []).append(job_id)


@event.listens_for(Session, "after_commit")
def run_committed_dispatches(session: Session) -> None:
    dispatches = session.info.pop(PENDING_KEY, [])
    deletions = session.info.pop(DELETE_KEY, [])
    if not dispatches and not deletions:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for dispatch in dispatches:
        hand_over(app, dispatch)
    for job_id in deletions:
        delete_rq_job(app, job_id)


@event.listens_for(Session, "after_transaction_end")
def drop_uncommitted_dispatches(
    session: Session, transaction: SessionTransaction
) -> None:
    # After a commit the lists are already empty. A rolled back or closed
    # outer transaction takes its dispatches with it.
    # NOTE: a rolled back savepoint keeps the dispatches registered inside it.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(DELETE_KEY, None)


def hand_over(app: Flask, dispatch: Dispatch) -> None:
    if mode(app) == "redis":
        enqueue(app, dispatch)
    else:
        start_thread(app, dispatch)


# Redis


def redis_connection(app: Flask | None = None) -> Redis:
    """Return the app's Redis connection (a pool shared by its requests)."""
    app = app or current_app
    connection = app.extensions.get(REDIS_KEY)
    if connection is None:
        connection = Redis.from_url(
            app.config["LAUREL_REDIS_URL"], socket_connect_timeout=5, socket_timeout=10
        )
        app.extensions[REDIS_KEY] = connection
    return connection


def job_timeout(kind: PrintKind, count: int) -> int:
    return BASE_TIMEOUT_SECONDS + round(SECONDS_PER_ITEM[kind] * count)


def enqueue(app: Flask, dispatch: Dispatch) -> None:
    """Put the job on the ``credentials`` queue under the print job's own id.

    An older RQ job with the same id (one that the sweeper re-enqueues) is
    deleted first, so no registry still lists it as failed or started.
    """
    ttl = RESULT_TTL_SECONDS[dispatch.kind]
    try:
        queue = Queue(QUEUE_NAME, connection=redis_connection(app))
        delete_rq_job(app, dispatch.job_id)
        queue.enqueue(
            JOB_FUNCTIONS[dispatch.kind],
            dispatch.payload,
            job_id=dispatch.job_id,
            job_timeout=job_timeout(dispatch.kind, dispatch.count),
            retry=Retry(max=RETRY_MAX, interval=RETRY_INTERVALS_SECONDS),
            result_ttl=ttl,
            failure_ttl=ttl,
            description=f"print job {dispatch.job_id} ({dispatch.kind})",
        )
    except RedisError as error:
        log.error("print job %s: enqueueing failed: %s", dispatch.job_id, error)
        note_dispatch_error(
            app,
            dispatch.job_id,
            f"Could not queue the job because Redis is unreachable ({error}). "
            "It is queued again when the sweeper next runs.",
        )
        return
    log.info("print job %s queued on %s", dispatch.job_id, QUEUE_NAME)


def note_dispatch_error(app: Flask, job_id: str, message: str) -> None:
    # The request's session has committed; one short transaction of its own
    # stores the message on the still-pending row.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            update(PrintJob).where(PrintJob.job_id == job_id).values(error=message)
        )


def fetch_rq_job(job_id: str, app: Flask | None = None) -> Job | None:
    """Return the RQ job, or None when Redis no longer has it.

    Raises RedisError when Redis cannot be reached.
    """
    try:
        return Job.fetch(job_id, connection=redis_connection(app))
    except NoSuchJobError:
        return None


def delete_rq_job(app: Flask, job_id: str) -> None:
    try:
        rq_job = fetch_rq_job(job_id, app)
        if rq_job is not None:
            rq_job.delete()
            log.info("print job %s: RQ job deleted from Redis", job_id)
    except RedisError as error:
        log.warning("print job %s: deleting the RQ job failed: %s", job_id, error)


# In-process threads

_threads: dict[str, threading.Thread] = {}
_threads_lock = threading.Lock()


def load_job_function(dotted_name: str) -> Any:
    """Import the job function named ``module.function``."""
    module_name, _, function_name = dotted_name.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise PrintServiceMissing(
            f"The printing service is not installed ({error}). Install it with "
            "`pip install ./services/printing`, or set LAUREL_REDIS_URL so that "
            "a printing worker runs the job."
        ) from error
    return getattr(module, function_name)


def start_thread(app: Flask, dispatch: Dispatch) -> None:
    """Run the job in a daemon thread of this process."""
    thread = threading.Thread(
        target=run_in_process,
        args=(app, dispatch),
        name=f"print-job-{dispatch.job_id}",
        daemon=True,
    )
    with _threads_lock:
        _threads[dispatch.job_id] = thread
    thread.start()
    log.info("print job %s started in-process", dispatch.job_id)


def run_in_process(app: Flask, dispatch: Dispatch) -> None:
    """Run the job function and record its outcome in the print-job row."""
    try:
        with app.app_context():
            try:
                update_row(dispatch.job_id, lambda job: job.mark_running(utcnow()))
                result = call_job_function(app, dispatch)
            except Exception as error:  # noqa: BLE001 - every failure goes to the row
                message = f"{type(error).__name__}: {error}"
                log.error(
                    "print job %s failed in-process: %s", dispatch.job_id, message
                )
                log.debug(
                    "print job %s traceback:\n%s",
                    dispatch.job_id,
                    traceback.format_exc(),
                )
                update_row(
                    dispatch.job_id, lambda job: job.record_failure(message, utcnow())
                )
            else:
                update_row(
                    dispatch.job_id, lambda job: job.record_result(result, utcnow())
                )
                log.info("print job %s done in-process", dispatch.job_id)
            finally:
                db.session.remove()
    finally:
        with _threads_lock:
            _threads.pop(dispatch.job_id, None)


def call_job_function(app: Flask, dispatch: Dispatch) -> dict[str, Any]:
    function = load_job_function(JOB_FUNCTIONS[dispatch.kind])
    return function(dispatch.payload, storage_root=app.config["LAUREL_STORAGE_PATH"])


def update_row(job_id: str, change: Any) -> None:
    job = db.session.scalar(select(PrintJob).where(PrintJob.job_id == job_id))
    if job is None:
        log.warning("print job %s: its row is gone; result dropped", job_id)
        return
    change(job)
    db.session.commit()


def thread_alive(job_id: str) -> bool:
    """Tell whether this process is running ``job_id`` in a thread."""
    with _threads_lock:
        thread = _threads.get(job_id)
    return thread is not None and thread.is_alive()


def wait_for_threads(timeout: float | None = None) -> bool:
    """Wait for this process's in-process jobs; True when none is left running.

    For commands such as ``laurel demo`` that must not exit mid-print, and
    for tests.
    """
    with _threads_lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in threads)
