"""Requesting prints: one credential, a group or selection, a login sheet.

Each request adds a print-job row to the session and hands the job to the
printing service once the caller commits (see ``dispatch``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, select
from werkzeug.security import safe_join

from laurel import audit
from laurel.credentials import verify
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import ValidationError, utcnow
from laurel.printing import dispatch, schemas
from laurel.printing.models import PrintJob, PrintJobItem, PrintKind, new_job_id

log = logging.getLogger(__name__)

PAGE_SIZES = ("A4", "Letter")
SINGLE_OUTPUTS = ["merged"]
GROUP_OUTPUTS = ["merged", "zip", "manifest"]
# The printing service's own limits on one job.
MAX_CREDENTIALS = 5000
MAX_LOGIN_ROWS = 10000
OUTPUT_FOLDER = "print-jobs"


@dataclass(frozen=True)
class Download:
    """The content type and download name suffix of one kind of output."""

    mimetype: str
    suffix: str


DOWNLOADS = {
    "merged": Download("application/pdf", "credentials.pdf"),
    "zip": Download("application/zip", "credentials.zip"),
    "manifest": Download("text/csv; charset=utf-8", "manifest.csv"),
    "login_sheet": Download("application/pdf", "login-sheet.pdf"),
}


# Choosing credentials


@dataclass(frozen=True)
class Skipped:
    learner: User
    reason: str


@dataclass
class CredentialChoice:
    """The credentials a group print includes, in print order, and who is skipped."""

    suite_key: str
    included: list[Credential] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def suites_with_credentials(org_id: int) -> list[tuple[str, str]]:
    """Return (suite key, suite title) of every suite the organisation has issued."""
    rows = db.session.execute(
        select(Credential.suite_key, Credential.suite_title)
        .where(Credential.org_id == org_id)
        .distinct()
        .order_by(Credential.suite_title)
    ).all()
    titles: dict[str, str] = {}
    for key, title in rows:
        titles.setdefault(key, title)
    return sorted(titles.items(), key=lambda item: item[1])


def choose_credentials(
    org_id: int, suite_key: str, learner_ids: Select[tuple[int]] | Sequence[int]
) -> CredentialChoice:
    """Return the unrevoked credentials for ``suite_key`` of the given learners.

    Print order is the learners list's order: last name, first name.
    """
    learners = db.session.scalars(
        select(User)
        .where(
            User.org_id == org_id, User.role == Role.LEARNER, User.id.in_(learner_ids)
        )
        .order_by(User.last_name, User.first_name, User.id)
    ).all()
    by_learner = {
        credential.learner_id: credential
        for credential in db.session.scalars(
            select(Credential).where(
                Credential.org_id == org_id,
                Credential.suite_key == suite_key,
                Credential.learner_id.in_([learner.id for learner in learners]),
            )
        )
    }
    choice = CredentialChoice(suite_key)
    for learner in learners:
        credential = by_learner.get(learner.id)
        if credential is None:
            choice.skipped.append(Skipped(learner, "no credential for this suite"))
        elif credential.revoked:
            revoked_on = credential.revoked_at.strftime("%Y-%m-%d")
            choice.skipped.append(
                Skipped(learner, f"credential revoked on {revoked_on}")
            )
        else:
            choice.included.append(credential)
    return choice


def learner_credentials(learner: User) -> list[Credential]:
    return list(
        db.session.scalars(
            select(Credential)
            .where(
                Credential.org_id == learner.org_id, Credential.learner_id == learner.id
            )
            .order_by(Credential.issued_at)
        )
    )


def credential_in_org(org_id: int, public_id: str) -> Credential | None:
    return db.session.scalar(
        select(Credential).where(
            Credential.org_id == org_id, Credential.public_id == public_id
        )
    )


# Requesting prints


def new_job(org: Organisation, kind: PrintKind, title: str, total: int) -> PrintJob:
    job_id = new_job_id()
    now = utcnow()
    job = PrintJob(
        job_id=job_id,
        org_id=org.id,
        kind=kind,
        title=title[:200],
        page_size=org.page_size if org.page_size in PAGE_SIZES else "A4",
        output_key=f"{OUTPUT_FOLDER}/{job_id}",
        dispatch=dispatch.mode(),
        rq_job_id=job_id,
        progress_total=total,
        outputs=[],
        created_at=now,
    )
    job.mark_pending(now)
    return job


def check_printable(org: Organisation, credentials: Sequence[Credential]) -> None:
    if not credentials:
        raise ValidationError(
            "credentials", "No credentials to print: none of the learners has one."
        )
    if len(credentials) > MAX_CREDENTIALS:
        raise ValidationError(
            "credentials",
            f"{len(credentials)} credentials is more than one print job takes "
            f"({MAX_CREDENTIALS}); print the groups one at a time.",
        )
    for credential in credentials:
        if credential.org_id != org.id:
            raise ValidationError(
                "credentials",
                f"Credential {credential.public_id} is not this organisation's.",
            )
        if credential.revoked:
            raise ValidationError(
                "credentials",
                f"Credential {credential.code} is revoked and cannot be printed.",
            )


def request_credentials_print(
    org: Organisation,
    credentials: Sequence[Credential],
    requested_by: User | None,
    title: str,
    outputs: Sequence[str] = GROUP_OUTPUTS,
) -> PrintJob:
    """Add a print job for ``credentials`` in this order; it starts on commit."""
    check_printable(org, credentials)
    job = new_job(org, PrintKind.CREDENTIALS, title, len(credentials))
    job.requested_by_id = requested_by.id if requested_by else None
    job.requested_outputs = list(outputs)
    job.items = [
        PrintJobItem(position=position, credential=credential)
        for position, credential in enumerate(credentials)
    ]
    db.session.add(job)
    db.session.flush()
    payload = schemas.credentials_payload(job)
    record_request(job, requested_by)
    dispatch.dispatch_after_commit(
        dispatch.Dispatch(job.job_id, job.kind, payload, len(credentials))
    )
    return job


def request_single_print(credential: Credential, requested_by: User | None) -> PrintJob:
    """Add a print job for one credential, as one PDF."""
    title = f"{credential.learner_name}, {credential.suite_title}"
    return request_credentials_print(
        credential.organisation, [credential], requested_by, title, SINGLE_OUTPUTS
    )


def record_request(job: PrintJob, requested_by: User | None) -> None:
    actor_id = requested_by.id if requested_by else None
    audit.record(
        "print_job.requested",
        "print_job",
        job.job_id,
        org_id=job.org_id,
        actor_id=actor_id,
        kind=job.kind.value,
        count=job.progress_total,
    )
    log.info(
        "print job %s requested by user %s: %s of %d",
        job.job_id,
        actor_id,
        job.kind.value,
        job.progress_total,
    )


def login_rows(rows: Iterable[Mapping[str, Any] | Any]) -> list[dict[str, str]]:
    """Return rows as {"name", "email", "password"} dicts, checking each one."""
    dumped = schemas.LoginRowSchema(many=True).dump(list(rows))
    for number, row in enumerate(dumped, start=1):
        for key in ("name", "email", "password"):
            if not row.get(key):
                raise ValidationError(
                    "rows", f"Row {number} of the login sheet has no {key}."
                )
    if not dumped:
        raise ValidationError("rows", "The login sheet has no rows to print.")
    if len(dumped) > MAX_LOGIN_ROWS:
        raise ValidationError(
            "rows",
            f"{len(dumped)} rows is more than one login sheet takes "
            f"({MAX_LOGIN_ROWS}).",
        )
    return dumped


def request_login_sheet(
    org: Organisation,
    rows: Iterable[Mapping[str, Any] | Any],
    requested_by: User | None,
) -> PrintJob:
    """Add a print job for a login sheet of ``rows``; it starts on commit.

    Each row is a mapping or object with ``name``, ``email`` and ``password``.
    The passwords go only into the job's payload: the row stores the count,
    and the payload lives in memory until the commit hands it over. With
    Redis it then stays in Redis until the job's outcome is read or a short
    TTL ends (see ``dispatch.RESULT_TTL_SECONDS``).
    """
    printed = login_rows(rows)
    job = new_job(
        org,
        PrintKind.LOGIN_SHEET,
        f"Login sheet, {len(printed)} learners",
        len(printed),
    )
    job.requested_by_id = requested_by.id if requested_by else None
    job.requested_outputs = ["login_sheet"]
    db.session.add(job)
    db.session.flush()
    fields_of_job = {
        "job_id": job.job_id,
        "output_key": job.output_key,
        "page_size": job.page_size,
        "organisation": org.name,
        "login_url": verify.external_url("identity.login"),
    }
    payload = schemas.login_sheet_payload(fields_of_job, printed)
    record_request(job, requested_by)
    dispatch.dispatch_after_commit(
        dispatch.Dispatch(job.job_id, job.kind, payload, len(printed))
    )
    return job


# Jobs and their files


def jobs_query(org_id: int) -> Select[tuple[PrintJob]]:
    return (
        select(PrintJob)
        .where(PrintJob.org_id == org_id)
        .order_by(PrintJob.created_at.desc(), PrintJob.id.desc())
    )


def job_in_org(org_id: int, job_id: str) -> PrintJob | None:
    return db.session.scalar(
        select(PrintJob).where(PrintJob.org_id == org_id, PrintJob.job_id == job_id)
    )


def storage_root() -> Path:
    return Path(current_app.config["LAUREL_STORAGE_PATH"]).resolve()


def output_path(job: PrintJob, kind: str) -> Path | None:
    """Return the stored file of output ``kind``, or None when it cannot be served.

    The key comes from the printing service's result, and it must name a
    file inside the job's own output folder under the storage root. Any other
    key is rejected, such as one with "../" or a symbolic link that leads out.
    """
    item = job.output(kind)
    if item is None or kind not in DOWNLOADS:
        return None
    key = str(item.get("key", ""))
    if not key.startswith(job.output_key + "/"):
        log.warning(
            "print job %s: output key %r is outside its folder", job.job_id, key
        )
        return None
    root = storage_root()
    joined = safe_join(str(root), key)
    if joined is None:
        log.warning("print job %s: unsafe output key %r", job.job_id, key)
        return None
    path = Path(joined).resolve()
    if not path.is_relative_to(root / job.output_key) or not path.is_file():
        return None
    return path


def download_name(job: PrintJob, kind: str) -> str:
    created = job.created_at.strftime("%Y-%m-%d")
    return (
        f"{job.organisation.slug}-{created}-{job.job_id[:8]}-{DOWNLOADS[kind].suffix}"
    )


# Organisation setting


def set_page_size(org: Organisation, page_size: str, actor_id: int | None) -> None:
    if page_size not in PAGE_SIZES:
        raise ValidationError(
            "page_size", f"{page_size!r} is not a page size; choose A4 or Letter."
        )
    if org.page_size == page_size:
        return
    previous, org.page_size = org.page_size, page_size
    audit.record(
        "organisation.page_size_changed",
        "organisation",
        org.id,
        org_id=org.id,
        actor_id=actor_id,
        previous=previous,
        page_size=page_size,
    )
    log.info(
        "organisation %s page size set to %s by user %s", org.id, page_size, actor_id
    )
