"""RQ job functions; their dotted names and payloads are the platform's contract.

The platform enqueues ``laurel_printing.jobs.render_credentials`` and
``laurel_printing.jobs.render_login_sheet`` by name on the ``credentials``
queue, or imports and calls them in-process when Redis is not configured.
"""

from __future__ import annotations

import logging
import os

from rq import Retry, get_current_job

from . import services, storage
from .fonts import FontSetupError, MissingGlyphsError
from .schemas import (
    CredentialsPayloadSchema,
    InvalidPayloadError,
    LoginSheetPayloadSchema,
    load_payload,
)

logger = logging.getLogger(__name__)

QUEUE_NAME = "credentials"
# Failures that fail the same way on every attempt, so retrying cannot help.
PERMANENT_ERRORS = (
    InvalidPayloadError,
    MissingGlyphsError,
    FontSetupError,
    storage.StorageError,
    services.RenderError,
)
# Timeout per job: a fixed allowance for start-up plus a rate per credential
# or row. bench/printing_group.py measured the CPU cost of a group print per
# credential on a 2-core machine (docs/benchmarks.md).
# NOTE: the rate is about 2.3 times that cost, so a worker on a machine
# loaded far beyond its cores can time out on large jobs.
BASE_TIMEOUT_SECONDS = 120
SECONDS_PER_CREDENTIAL = 0.2
SECONDS_PER_LOGIN_ROW = 0.02
RETRY_MAX = 2
RETRY_INTERVALS_SECONDS = [10, 60]


def enqueue_options(function_name: str, count: int) -> dict:
    """Return the job_timeout and retry to pass to Queue.enqueue for a job.

    function_name is "render_credentials" or "render_login_sheet" and count
    the number of credentials or rows. Retries with an interval need a worker
    running the RQ scheduler, which ``laurel-printing worker`` does.
    """
    rates = {
        "render_credentials": SECONDS_PER_CREDENTIAL,
        "render_login_sheet": SECONDS_PER_LOGIN_ROW,
    }
    if function_name not in rates:
        raise ValueError(f"unknown job function {function_name!r}")
    timeout = BASE_TIMEOUT_SECONDS + round(rates[function_name] * count)
    retry = Retry(max=RETRY_MAX, interval=RETRY_INTERVALS_SECONDS)
    return {"job_timeout": timeout, "retry": retry}


def _stop_retries(error: Exception) -> None:
    job = get_current_job()
    if job is not None and job.retries_left:
        logger.info("job %s will not be retried: %s", job.id, type(error).__name__)
        job.retries_left = 0


def render_credentials(
    payload: dict, storage_root: str | os.PathLike | None = None
) -> dict:
    """Render credentials as a merged PDF, a ZIP of PDFs and a manifest CSV.

    payload is validated by CredentialsPayloadSchema. Outputs go under
    storage_root (default: the LAUREL_STORAGE_PATH variable) in
    payload["output_key"]; the result lists each file's key, size, page count
    and SHA-256.
    """
    try:
        data = load_payload(CredentialsPayloadSchema(), payload)
        root = storage.storage_root(storage_root)
        logger.info(
            "print job %s: rendering %d credentials, outputs %s",
            data["job_id"],
            len(data["credentials"]),
            ",".join(data["outputs"]),
        )
        result = services.print_credentials(data, root)
    except PERMANENT_ERRORS as error:
        _stop_retries(error)
        raise
    logger.info("print job %s: stored %d files", data["job_id"], len(result["files"]))
    return result


def render_login_sheet(
    payload: dict, storage_root: str | os.PathLike | None = None
) -> dict:
    """Render a login sheet (name, email, password per row) as one PDF.

    Passwords are printed but never logged, and error messages about them
    never include their characters.
    """
    try:
        data = load_payload(LoginSheetPayloadSchema(), payload)
        root = storage.storage_root(storage_root)
        logger.info(
            "print job %s: rendering login sheet of %d rows",
            data["job_id"],
            len(data["rows"]),
        )
        result = services.print_login_sheet(data, root)
    except PERMANENT_ERRORS as error:
        _stop_retries(error)
        raise
    logger.info("print job %s: stored the login sheet", data["job_id"])
    return result
