"""/api/v1/print-jobs: list, read, request and download print jobs.

Requested jobs render for real: in a thread of the app (no Redis), or on
Redis with RQ's SimpleWorker in ``TestOnRedis``. Rows that only need a
status are added through the print services and not handed over.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select

from laurel.api.models import ApiToken
from laurel.audit.models import AuditEvent
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import deactivate_user, utcnow
from laurel.printing import dispatch, services, tracking
from laurel.printing.models import PrintJob, PrintStatus
from laurel.rosters import services as rosters
from tests.print_jobs.conftest import (
    JOB_WAIT_SECONDS,
    SUITE_KEY,
    SUITE_TITLE,
    build_credential,
    download,
)

URL = "/api/v1/print-jobs"
NAMES = [
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Zoë", "Martin"),
]
REVOKED_ON = datetime(2026, 12, 6)


@pytest.fixture
def org(make_org) -> Organisation:  # noqa: ANN001
    return make_org()


@pytest.fixture
def learners(org, make_user) -> list[User]:  # noqa: ANN001
    return [
        make_user(org, Role.LEARNER, first_name=first, last_name=last)
        for first, last in NAMES
    ]


@pytest.fixture
def api(api_client, org):  # noqa: ANN001, ANN201
    return api_client(org)


@pytest.fixture
def wait_for_jobs(app) -> Iterator[Callable[[], None]]:  # noqa: ANN001
    """Wait for in-process print jobs, then expire the session to reread rows."""

    def wait() -> None:
        assert dispatch.wait_for_threads(JOB_WAIT_SECONDS), "an in-process job hung"
        db.session.expire_all()

    yield wait
    dispatch.wait_for_threads(JOB_WAIT_SECONDS)


def stored_job(app, credentials: list[Credential], title: str = "Stored") -> PrintJob:  # noqa: ANN001
    """Add a pending job of ``credentials`` that is never handed over."""
    org = credentials[0].organisation
    with app.test_request_context():
        job = services.request_credentials_print(org, credentials, None, title)
    db.session.info.pop(dispatch.PENDING_KEY)
    db.session.commit()
    return job


def stored_login_sheet(app, org: Organisation) -> PrintJob:  # noqa: ANN001
    rows = [{"name": "Ada Lovelace", "email": "ada@example.org", "password": "pw-1"}]
    with app.test_request_context():
        job = services.request_login_sheet(org, rows, None)
    db.session.info.pop(dispatch.PENDING_KEY)
    db.session.commit()
    return job


def token_admin_id() -> int:
    return db.session.scalars(select(ApiToken)).one().created_by_id


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PrintJob))


def job_of(data: dict[str, Any]) -> PrintJob:
    return db.session.scalars(
        select(PrintJob).where(PrintJob.job_id == data["job_id"])
    ).one()


def pdf_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def file_name(job: PrintJob, suffix: str) -> str:
    return (
        f"{job.organisation.slug}-{job.created_at:%Y-%m-%d}-{job.job_id[:8]}-{suffix}"
    )


# Listing and reading


def test_list_newest_first_with_filters(
    app, api, org, learners, make_org, make_user
) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    first = stored_job(app, [credential], "First")
    second = stored_job(app, [credential], "Second")
    second.record_failure("The printing service failed: boom", utcnow())
    db.session.commit()
    sheet = stored_login_sheet(app, org)
    other = make_user(make_org(), Role.LEARNER)
    stored_job(app, [build_credential(other)], "Other organisation")

    listing = api.get(URL)
    assert listing.status_code == 200, listing.json
    ids = [item["job_id"] for item in listing.json["items"]]
    assert ids == [sheet.job_id, second.job_id, first.job_id]
    assert listing.json["total"] == 3

    failed = api.get(f"{URL}?status=failed").json["items"]
    assert [item["job_id"] for item in failed] == [second.job_id]
    sheets = api.get(f"{URL}?kind=login_sheet").json["items"]
    assert [item["job_id"] for item in sheets] == [sheet.job_id]
    pending = api.get(f"{URL}?kind=credentials&status=pending").json["items"]
    assert [item["job_id"] for item in pending] == [first.job_id]

    page = api.get(f"{URL}?per_page=1&page=2").json
    assert [item["job_id"] for item in page["items"]] == [second.job_id]
    assert page["pages"] == 3
    assert page["total"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("kind=pdf", "kind"), ("state=done", "state")],
)
def test_list_rejects_bad_filters(api, query, field) -> None:  # noqa: ANN001
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]
    assert response.json["message"].startswith(f"query parameter {field}:")


def test_read_job_fields(app, api, learners) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    job = stored_job(app, [credential], "One credential")
    job.record_failure("The printing service failed: boom", utcnow())
    db.session.commit()
    response = api.get(f"{URL}/{job.job_id}")
    assert response.status_code == 200, response.json
    data = response.json
    assert data["job_id"] == job.job_id
    assert data["kind"] == "credentials"
    assert data["title"] == "One credential"
    assert data["status"] == "failed"
    assert data["error"] == "The printing service failed: boom"
    assert data["progress_done"] == 0
    assert data["progress_total"] == 1
    assert data["page_size"] == "A4"
    assert data["requested_outputs"] == ["merged", "zip", "manifest"]
    assert data["requested_by_id"] is None
    assert data["created_at"].endswith("+00:00")
    assert data["enqueued_at"].endswith("+00:00")
    assert data["started_at"] is None
    assert data["finished_at"].endswith("+00:00")
    assert data["files"] == []


def test_read_requeues_stale_in_process_job(app, api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    job = stored_job(app, [build_credential(learners[0])])
    job.enqueued_at = utcnow() - timedelta(seconds=tracking.DEFAULT_STALE_SECONDS + 1)
    db.session.commit()
    response = api.get(f"{URL}/{job.job_id}")
    assert response.status_code == 200
    wait_for_jobs()
    assert job.dispatch_count == 2
    assert job.status is PrintStatus.DONE, job.error
    done = api.get(f"{URL}/{job.job_id}").json
    assert [item["kind"] for item in done["files"]] == ["merged", "zip", "manifest"]


# Requesting by credential ids, and downloading


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ORG_ADMIN], ids=str)
def test_print_credential_ids_in_order(
    app, api_client, org, learners, wait_for_jobs, role
) -> None:  # noqa: ANN001
    ada, _, _, zoe = learners
    credentials = [build_credential(zoe), build_credential(ada)]
    api = api_client(org, role)
    response = api.post(
        URL,
        json={"credential_ids": [credential.public_id for credential in credentials]},
    )
    assert response.status_code == 202, response.json
    data = response.json
    assert data["kind"] == "credentials"
    assert data["title"] == f"2 selected credentials, {SUITE_TITLE}"
    assert data["progress_total"] == 2
    assert data["requested_outputs"] == ["merged", "zip", "manifest"]
    assert data["requested_by_id"] == token_admin_id()
    assert data["skipped"] == []

    wait_for_jobs()
    job = job_of(data)
    assert [item.credential_id for item in job.items] == [c.id for c in credentials]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "print_job.requested")
    ).one()
    assert event.actor_id == token_admin_id()
    assert event.object_id == job.job_id

    done = api.get(f"{URL}/{job.job_id}").json
    assert done["status"] == "done", done["error"]
    assert done["progress_done"] == 2
    assert [item["kind"] for item in done["files"]] == ["merged", "zip", "manifest"]
    merged = done["files"][0]
    assert merged["url"] == f"{URL}/{job.job_id}/files/merged"
    assert merged["content_type"] == "application/pdf"
    assert merged["filename"] == file_name(job, "credentials.pdf")
    assert merged["pages"] == 2
    assert merged["size"] > 0
    assert len(merged["sha256"]) == 64


def test_download_outputs(app, api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    ada, _, _, zoe = learners
    credentials = [build_credential(zoe), build_credential(ada)]
    response = api.post(
        URL, json={"credential_ids": [c.public_id for c in credentials]}
    )
    wait_for_jobs()
    job = job_of(response.json)
    files = {
        item["kind"]: item for item in api.get(f"{URL}/{job.job_id}").json["files"]
    }

    merged = download(api, files["merged"]["url"])
    assert merged.status_code == 200
    assert merged.mimetype == "application/pdf"
    assert merged.headers["Content-Disposition"] == (
        f"attachment; filename={file_name(job, 'credentials.pdf')}"
    )
    assert "no-store" not in merged.headers["Cache-Control"]
    texts = pdf_texts(merged.data)
    assert len(texts) == 2
    assert "Zoë Martin" in texts[0]
    assert "Ada Lovelace" in texts[1]

    archive = download(api, files["zip"]["url"])
    assert archive.mimetype == "application/zip"
    assert archive.headers["Content-Disposition"].endswith("-credentials.zip")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert sorted(opened.namelist()) == sorted(f"{c.code}.pdf" for c in credentials)

    manifest = download(api, files["manifest"]["url"])
    assert manifest.mimetype == "text/csv"
    assert manifest.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(manifest.text())))
    assert [row["code"] for row in rows] == [c.code for c in credentials]


def test_login_sheet_download_not_stored(app, api, org, wait_for_jobs) -> None:  # noqa: ANN001
    rows = [{"name": "Ada Lovelace", "email": "ada@example.org", "password": "pw-7Kq2"}]
    with app.test_request_context():
        job = services.request_login_sheet(org, rows, None)
    db.session.commit()
    wait_for_jobs()
    assert job.status is PrintStatus.DONE, job.error
    files = api.get(f"{URL}/{job.job_id}").json["files"]
    assert [item["kind"] for item in files] == ["login_sheet"]
    sheet = download(api, files[0]["url"])
    assert sheet.status_code == 200
    assert sheet.mimetype == "application/pdf"
    assert sheet.headers["Cache-Control"] == "no-store"
    assert sheet.headers["Content-Disposition"] == (
        f"attachment; filename={file_name(job, 'login-sheet.pdf')}"
    )
    assert "pw-7Kq2" in pdf_texts(sheet.data)[0]


def test_output_not_requested_is_404(app, api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    response = api.post(
        URL, json={"credential_ids": [credential.public_id], "outputs": ["merged"]}
    )
    assert response.json["requested_outputs"] == ["merged"]
    wait_for_jobs()
    job_id = response.json["job_id"]
    missing = api.get(f"{URL}/{job_id}/files/zip")
    assert missing.status_code == 404
    assert missing.mimetype == "application/json"
    assert missing.json["message"].startswith("kind: ")
    assert f"print job {job_id} has no zip output" in missing.json["message"]


def test_unfinished_job_has_no_download(app, api, learners) -> None:  # noqa: ANN001
    job = stored_job(app, [build_credential(learners[0])])
    response = api.get(f"{URL}/{job.job_id}/files/merged")
    assert response.status_code == 404
    assert "is pending: its merged output" in response.json["message"]


@pytest.mark.parametrize(
    "kind", ["pdf", "MERGED", "merged.pdf", "..", "%00", "login-sheet", "%2e%2e"]
)
def test_unknown_kind_is_404(app, api, learners, wait_for_jobs, kind) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    job_id = api.post(URL, json={"credential_ids": [credential.public_id]}).json[
        "job_id"
    ]
    wait_for_jobs()
    response = download(api, f"{URL}/{job_id}/files/{kind}")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "is not a kind of output" in response.text()


@pytest.mark.parametrize(
    "job_id",
    ["x", "0" * 31, "0" * 33, "A" * 32, "%00", "%00" * 32, "' OR '1'='1", "é" * 32],
)
def test_malformed_job_id_is_404(api, job_id) -> None:  # noqa: ANN001
    for url in (f"{URL}/{job_id}", f"{URL}/{job_id}/files/merged"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json["message"].startswith("job_id: print job ")


def test_other_org_job_is_404(app, api, make_org, make_user) -> None:  # noqa: ANN001
    other = make_user(make_org(), Role.LEARNER)
    job = stored_job(app, [build_credential(other)])
    job.record_result({"files": []}, utcnow())
    db.session.commit()
    for url in (f"{URL}/{job.job_id}", f"{URL}/{job.job_id}/files/merged"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json["message"] == (
            f"job_id: print job '{job.job_id}' was not found."
        )


# Requesting by suite and learners


def test_learner_ids_report_skipped(app, api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    ada, grace, alan, zoe = learners
    included = build_credential(ada)
    build_credential(grace, revoked_at=REVOKED_ON)
    build_credential(zoe)
    deactivate_user(zoe, None)
    db.session.commit()
    response = api.post(
        URL,
        json={
            "suite": SUITE_KEY,
            "learner_ids": [learner.id for learner in learners],
            "outputs": ["manifest", "merged"],
        },
    )
    assert response.status_code == 202, response.json
    data = response.json
    assert data["title"] == f"4 selected learners, {SUITE_TITLE}"
    assert data["progress_total"] == 1
    assert data["requested_outputs"] == ["merged", "manifest"]
    assert data["skipped"] == [
        {"learner_id": grace.id, "reason": "credential revoked on 2026-12-06"},
        {"learner_id": alan.id, "reason": "no credential for this suite"},
        {"learner_id": zoe.id, "reason": "learner is deactivated"},
    ]
    wait_for_jobs()
    job = job_of(data)
    assert [item.credential_id for item in job.items] == [included.id]
    files = api.get(f"{URL}/{job.job_id}").json["files"]
    assert [item["kind"] for item in files] == ["merged", "manifest"]


def test_all_matching_group_in_name_order(
    app, api, org, learners, wait_for_jobs
) -> None:  # noqa: ANN001
    ada, grace, alan, zoe = learners
    credentials = {learner.id: build_credential(learner) for learner in (zoe, ada)}
    build_credential(grace)
    group = rosters.create_group(org.id, "10B", actor_id=None)
    rosters.add_members(group, [ada.id, alan.id, zoe.id], actor_id=None)
    db.session.commit()
    response = api.post(
        URL, json={"suite": SUITE_KEY, "all_matching": {"group": group.id}}
    )
    assert response.status_code == 202, response.json
    data = response.json
    assert data["title"] == f"Group 10B, {SUITE_TITLE}"
    assert data["skipped"] == [
        {"learner_id": alan.id, "reason": "no credential for this suite"}
    ]
    wait_for_jobs()
    job = job_of(data)
    expected = [credentials[ada.id].id, credentials[zoe.id].id]
    assert [item.credential_id for item in job.items] == expected


def test_all_matching_search_and_inactive(app, api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    ada, grace, alan, zoe = learners
    for learner in (ada, grace, zoe):
        build_credential(learner)
    deactivate_user(zoe, None)
    db.session.commit()

    def matching(**filters: Any) -> dict[str, Any]:
        return {"suite": SUITE_KEY, "all_matching": filters}

    searched = api.post(URL, json=matching(q="LOVELACE"))
    assert searched.status_code == 202, searched.json
    assert searched.json["title"] == f"Matching learners, {SUITE_TITLE}"
    assert searched.json["progress_total"] == 1
    assert searched.json["skipped"] == []

    active = api.post(URL, json=matching()).json
    assert active["progress_total"] == 2
    assert [item["learner_id"] for item in active["skipped"]] == [alan.id]

    everyone = api.post(URL, json=matching(include_inactive=True)).json
    assert everyone["progress_total"] == 3
    wait_for_jobs()
    printed = [item.credential.learner_id for item in job_of(everyone).items]
    assert printed == [grace.id, ada.id, zoe.id]


# Request errors


def bodies(credential: Credential, learner: User) -> dict[str, dict[str, Any]]:
    ids = [credential.public_id]
    return {
        "unknown field": {"credential_ids": ids, "org_id": 1},
        "both ways": {"credential_ids": ids, "suite": SUITE_KEY, "learner_ids": [1]},
        "neither way": {},
        "suite without learners": {"suite": SUITE_KEY},
        "all_matching not a filter": {"suite": SUITE_KEY, "all_matching": True},
        "ids and all_matching": {
            "suite": SUITE_KEY,
            "learner_ids": [learner.id],
            "all_matching": {},
        },
        "filter without all_matching": {
            "suite": SUITE_KEY,
            "learner_ids": [learner.id],
            "q": "Ada",
        },
        "learner id as text": {"suite": SUITE_KEY, "learner_ids": [str(learner.id)]},
        "repeated credential": {"credential_ids": ids * 2},
        "repeated output": {"credential_ids": ids, "outputs": ["merged", "merged"]},
        "unknown output": {"credential_ids": ids, "outputs": ["pdf"]},
        "no outputs": {"credential_ids": ids, "outputs": []},
        "empty credential_ids": {"credential_ids": []},
        "malformed credential id": {"credential_ids": ["not an id"]},
        "too many credentials": {
            "credential_ids": [f"id{n}" for n in range(services.MAX_CREDENTIALS + 1)]
        },
    }


UNPROCESSABLE = {
    "unknown field": ["org_id"],
    "both ways": ["credential_ids"],
    "neither way": ["credential_ids"],
    "suite without learners": ["credential_ids"],
    "all_matching not a filter": ["all_matching"],
    "ids and all_matching": ["credential_ids"],
    "filter without all_matching": ["q"],
    "learner id as text": ["learner_ids"],
    "repeated credential": ["credential_ids"],
    "repeated output": ["outputs"],
    "unknown output": ["outputs"],
    "no outputs": ["outputs"],
    "empty credential_ids": ["credential_ids"],
    "malformed credential id": ["credential_ids"],
    "too many credentials": ["credential_ids"],
}


@pytest.mark.parametrize("case", list(UNPROCESSABLE))
def test_bad_body_is_422(api, learners, case) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    response = api.post(URL, json=bodies(credential, learners[0])[case])
    assert response.status_code == 422, response.json
    errors = response.json["errors"]["json"]
    for field in UNPROCESSABLE[case]:
        assert field in errors
        assert re.search(rf"(^|; ){field}[.:]", response.json["message"])
    assert job_count() == 0


def test_other_org_credential_is_404(api, learners, make_org, make_user) -> None:  # noqa: ANN001
    own = build_credential(learners[0])
    foreign = build_credential(make_user(make_org(), Role.LEARNER))
    response = api.post(
        URL, json={"credential_ids": [own.public_id, foreign.public_id]}
    )
    assert response.status_code == 404
    assert response.json["message"] == (
        f"credential_ids: credentials '{foreign.public_id}' were not found in this "
        "organisation."
    )
    assert job_count() == 0


def test_revoked_credential_is_409(api, learners) -> None:  # noqa: ANN001
    live = build_credential(learners[0])
    revoked = build_credential(learners[1], revoked_at=REVOKED_ON)
    response = api.post(
        URL, json={"credential_ids": [live.public_id, revoked.public_id]}
    )
    assert response.status_code == 409
    assert response.json["message"].startswith(
        f"credential_ids: credentials '{revoked.public_id}' are revoked"
    )
    assert live.public_id not in response.json["message"]
    assert job_count() == 0


def test_foreign_learners_are_404(api, org, learners, make_org, make_user) -> None:  # noqa: ANN001
    build_credential(learners[0])
    foreign = make_user(make_org(), Role.LEARNER)
    instructor = make_user(org, Role.INSTRUCTOR)
    requested = [learners[0].id, foreign.id, instructor.id, 2_000_000]
    response = api.post(URL, json={"suite": SUITE_KEY, "learner_ids": requested})
    assert response.status_code == 404
    expected = sorted([foreign.id, instructor.id, 2_000_000])
    assert response.json["message"] == (
        f"learner_ids: learners {', '.join(map(str, expected))} were not found "
        "in this organisation."
    )
    assert job_count() == 0


def test_foreign_group_is_404(api, learners, make_org) -> None:  # noqa: ANN001
    build_credential(learners[0])
    other = make_org()
    group = rosters.create_group(other.id, "10B", actor_id=None)
    db.session.commit()
    response = api.post(
        URL, json={"suite": SUITE_KEY, "all_matching": {"group": group.id}}
    )
    assert response.status_code == 404
    assert response.json["message"] == (
        f"all_matching.group: group {group.id} was not found in this organisation."
    )
    assert job_count() == 0


def test_unissued_suite_is_404(api, learners, make_org, make_user) -> None:  # noqa: ANN001
    build_credential(learners[0])
    build_credential(make_user(make_org(), Role.LEARNER), suite_key="food_safety")
    response = api.post(
        URL, json={"suite": "food_safety", "learner_ids": [learners[0].id]}
    )
    assert response.status_code == 404
    assert response.json["message"] == (
        "suite: no credentials of suite 'food_safety' were issued in this organisation."
    )
    assert job_count() == 0


def test_print_suite_defaults_to_only_one(api, learners, wait_for_jobs) -> None:  # noqa: ANN001
    ada = learners[0]
    build_credential(ada)
    response = api.post(URL, json={"learner_ids": [ada.id]})
    assert response.status_code == 202, response.json
    assert response.json["progress_total"] == 1
    wait_for_jobs()


def test_several_issued_suites_need_a_name(api, learners) -> None:  # noqa: ANN001
    ada, grace, *_ = learners
    build_credential(ada)
    other = build_credential(grace, suite_key="food_safety")
    response = api.post(URL, json={"learner_ids": [ada.id, grace.id]})
    assert response.status_code == 409
    assert response.json["message"].startswith("suite: Credentials of 2 suites")
    mismatch = api.post(
        URL, json={"suite": SUITE_KEY, "credential_ids": [other.public_id]}
    )
    assert mismatch.status_code == 409
    assert mismatch.json["message"].startswith(
        f"credential_ids: credentials '{other.public_id}' are not of suite"
    )
    assert job_count() == 0


def test_nothing_printable_is_409(api, learners) -> None:  # noqa: ANN001
    ada, grace, alan, _ = learners
    build_credential(ada)
    build_credential(grace, revoked_at=REVOKED_ON)
    response = api.post(
        URL, json={"suite": SUITE_KEY, "learner_ids": [grace.id, alan.id]}
    )
    assert response.status_code == 409
    assert response.json["message"] == (
        "learner_ids: Nothing to print: of the 2 chosen learners, 2 have no "
        f"unrevoked credential of suite '{SUITE_KEY}'."
    )
    nobody = api.post(URL, json={"suite": SUITE_KEY, "all_matching": {"q": "zz"}})
    assert nobody.status_code == 409
    assert nobody.json["message"] == (
        "all_matching: Nothing to print: no learners match the selection."
    )
    assert job_count() == 0


def test_only_deactivated_learners_is_409(api, learners) -> None:  # noqa: ANN001
    ada = learners[0]
    build_credential(ada)
    deactivate_user(ada, None)
    db.session.commit()
    response = api.post(URL, json={"suite": SUITE_KEY, "learner_ids": [ada.id]})
    assert response.status_code == 409
    assert response.json["message"] == (
        "learner_ids: Nothing to print: of the 1 chosen learners, 1 are deactivated."
    )


def test_unissued_suite_with_ids_is_404(api, learners) -> None:  # noqa: ANN001
    credential = build_credential(learners[0])
    response = api.post(
        URL, json={"suite": "no_such_suite", "credential_ids": [credential.public_id]}
    )
    assert response.status_code == 404
    assert response.json["message"].startswith("suite: no credentials of suite")
    assert job_count() == 0


def test_openapi_states_the_body_and_the_files(client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]["PrintRequest"]
    assert schema["oneOf"] == [
        {"required": ["credential_ids"]},
        {"required": ["learner_ids"]},
        {"required": ["all_matching"]},
    ]
    assert schema["additionalProperties"] is False
    files_operation = spec["paths"][f"{URL}/{{job_id}}/files/{{kind}}"]["get"]
    assert files_operation["parameters"][0]["schema"]["enum"] == list(
        services.DOWNLOADS
    )
    content = files_operation["responses"]["200"]["content"]
    assert sorted(content) == ["application/pdf", "application/zip", "text/csv"]


# On Redis, with a real RQ worker


class TestOnRedis:
    @pytest.fixture
    def app_config(self, app_config, redis_url):  # noqa: ANN001, ANN201 - extends the root fixture
        app_config["REDIS_URL"] = redis_url
        return app_config

    @pytest.fixture
    def redis(self, redis_url: str) -> Redis:
        return Redis.from_url(redis_url)

    @pytest.fixture
    def run_worker(self, app, redis, monkeypatch):  # noqa: ANN001, ANN201
        """Run the queued jobs in this process with RQ's SimpleWorker, then return."""
        monkeypatch.setenv("LAUREL_STORAGE_PATH", app.config["LAUREL_STORAGE_PATH"])

        def run() -> None:
            queue = Queue(dispatch.QUEUE_NAME, connection=redis)
            SimpleWorker([queue], connection=redis).work(burst=True)

        return run

    def test_reads_copy_rq_result(self, api, learners, run_worker) -> None:  # noqa: ANN001
        credential = build_credential(learners[0])
        response = api.post(URL, json={"credential_ids": [credential.public_id]})
        assert response.status_code == 202, response.json
        assert response.json["status"] == "pending"
        job = job_of(response.json)
        assert job.dispatch == "redis"
        run_worker()
        listed = api.get(URL).json["items"]
        assert [item["status"] for item in listed] == ["done"]
        assert [item["kind"] for item in listed[0]["files"]] == [
            "merged",
            "zip",
            "manifest",
        ]
        data = api.get(f"{URL}/{job.job_id}").json
        assert data["status"] == "done"
        assert data["progress_done"] == 1
        merged = download(api, data["files"][0]["url"])
        assert merged.status_code == 200
        assert "Ada Lovelace" in pdf_texts(merged.data)[0]

    def test_read_requeues_lost_job(self, api, learners, redis) -> None:  # noqa: ANN001
        credential = build_credential(learners[0])
        job = job_of(
            api.post(URL, json={"credential_ids": [credential.public_id]}).json
        )
        redis.flushdb()
        stale = timedelta(seconds=tracking.DEFAULT_STALE_SECONDS + 1)
        job.enqueued_at = utcnow() - stale
        db.session.commit()
        response = api.get(f"{URL}/{job.job_id}")
        assert response.status_code == 200
        assert response.json["status"] == "pending"
        assert Job.exists(job.job_id, connection=redis)
        assert job.dispatch_count == 2
