"""The RQ worker process for the ``credentials`` queue."""

from __future__ import annotations

import logging
import os
import urllib.parse

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker

from .jobs import QUEUE_NAME

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "LAUREL_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class WorkerSetupError(RuntimeError):
    """The worker cannot start: Redis is unreachable or the URL is invalid."""


def redact_url(url: str) -> str:
    """Return url with any password replaced by "***", for log lines."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = parts.username or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def log_job_failure(job, exc_type, exc_value, traceback) -> bool:
    """Log a failed job with its id and error; RQ then runs its default handler."""
    retries = job.retries_left or 0
    logger.error(
        "job %s (%s) failed: %s: %s; retries left: %d",
        job.id,
        job.func_name,
        exc_type.__name__,
        exc_value,
        retries,
    )
    return True


def log_work_horse_killed(job, pid: int, status: int, rusage) -> None:
    """Log a work horse that died without reporting, e.g. killed by a signal."""
    logger.error(
        "job %s (%s) failed: work horse %s ended with wait status %s; retries left: %d",
        job.id,
        job.func_name,
        pid,
        status,
        job.retries_left or 0,
    )


def connect(redis_url: str) -> Redis:
    """Return a Redis connection to redis_url, raising WorkerSetupError if down."""
    try:
        connection = Redis.from_url(redis_url)
        connection.ping()
    except (RedisError, ValueError) as error:
        raise WorkerSetupError(
            f"cannot connect to Redis at {redact_url(redis_url)}: {error}; "
            f"start Redis or pass --redis-url (or set {REDIS_URL_ENV})"
        ) from error
    return connection


def warm_up() -> None:
    """Load WeasyPrint, fonts and stylesheets once, before the worker forks.

    Every work horse is forked from this process and so starts with them.
    """
    from . import fonts, rendering, services

    fonts.require_font_files()
    for stack in fonts.STACKS:
        fonts.stack_coverage(stack)
    renderer = rendering.get_renderer()
    for page_size in ("A4", "Letter"):
        renderer.stylesheets("credentials.css", services.credential_page(page_size))
        renderer.stylesheets("login_sheet.css", services.login_sheet_page(page_size))


def run_worker(
    redis_url: str,
    name: str | None = None,
    burst: bool = False,
    max_jobs: int | None = None,
) -> bool:
    """Run a worker on the credentials queue until stopped; True if it ran a job."""
    connection = connect(redis_url)
    warm_up()
    queue = Queue(QUEUE_NAME, connection=connection)
    worker = Worker(
        [queue],
        connection=connection,
        name=name,
        exception_handlers=[log_job_failure],
        work_horse_killed_handler=log_work_horse_killed,
        # A job's description repeats its payload, and login sheets hold passwords.
        log_job_description=False,
    )
    logger.info(
        "worker %s started (pid %d) on queue %s at %s",
        worker.name,
        os.getpid(),
        QUEUE_NAME,
        redact_url(redis_url),
    )
    try:
        return worker.work(
            burst=burst,
            max_jobs=max_jobs,
            with_scheduler=True,
            logging_level=logging.getLogger().level,
        )
    finally:
        logger.info("worker %s stopped", worker.name)
