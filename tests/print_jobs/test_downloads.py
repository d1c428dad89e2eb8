"""Downloads: staff of the job's organisation only, files inside the job's folder."""

from __future__ import annotations

import os

import pytest

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.printing import dispatch, services
from laurel.printing.models import PrintJob
from tests.print_jobs.conftest import download

PDF = b"%PDF-1.7 test file"


@pytest.fixture
def stored_job(app, school, make_credential):  # noqa: ANN001, ANN201
    """A finished group job whose three outputs are on disk, never dispatched."""
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_credentials_print(
            school.org, [credential], school.instructor, "Stored"
        )
    db.session.info.pop(dispatch.PENDING_KEY)
    files = []
    for kind, name in (
        ("merged", "credentials.pdf"),
        ("zip", "credentials.zip"),
        ("manifest", "manifest.csv"),
    ):
        key = f"{job.output_key}/{name}"
        write(key, PDF)
        files.append(
            {"kind": kind, "key": key, "size": len(PDF), "pages": 1, "sha256": "0" * 64}
        )
    job.record_result({"files": files}, job.created_at)
    db.session.commit()
    return job


def write(key: str, data: bytes) -> None:
    path = services.storage_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def set_key(job: PrintJob, kind: str, key: str) -> None:
    job.outputs = [
        {**item, "key": key} if item["kind"] == kind else item for item in job.outputs
    ]
    db.session.commit()


@pytest.mark.parametrize(
    ("kind", "content_type", "suffix"),
    [
        ("merged", "application/pdf", "credentials.pdf"),
        ("zip", "application/zip", "credentials.zip"),
        ("manifest", "text/csv; charset=utf-8", "manifest.csv"),
    ],
)
def test_download_headers(
    client, login, school, stored_job, kind, content_type, suffix
) -> None:  # noqa: ANN001
    login(school.instructor)
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/{kind}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.data == PDF
    created = f"{stored_job.created_at:%Y-%m-%d}"
    name = f"{school.org.slug}-{created}-{stored_job.job_id[:8]}-{suffix}"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"


def test_learner_cannot_download(client, login, school, stored_job) -> None:  # noqa: ANN001
    login(school.learners[0])
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/merged")
    assert response.status_code == 403


def test_other_org_gets_not_found(
    client, login, make_org, make_user, stored_job
) -> None:  # noqa: ANN001
    other = make_user(make_org(), Role.ORG_ADMIN)
    login(other)
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/merged")
    assert response.status_code == 404
    assert client.get(f"/print-jobs/{stored_job.job_id}").status_code == 404


def test_anonymous_redirected_to_login(client, stored_job) -> None:  # noqa: ANN001
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/merged")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "kind", ["login_sheet", "..", "..%2F..%2Fsecret_key", "merged.pdf", "MERGED"]
)
def test_unknown_kind_not_found(client, login, school, stored_job, kind) -> None:  # noqa: ANN001
    login(school.instructor)
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/{kind}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "../secret.pdf",
        "{folder}/../secret.pdf",
        "{folder}/../../secret.pdf",
        "/etc/hostname",
        "print-jobs/{other}/credentials.pdf",
        "{folder}/missing.pdf",
    ],
)
def test_traversal_keys_rejected(app, client, login, school, stored_job, key) -> None:  # noqa: ANN001
    write("secret.pdf", b"outside the job folder")
    write("print-jobs/0000/credentials.pdf", b"another job's file")
    unsafe = key.format(folder=stored_job.output_key, other="0000")
    set_key(stored_job, "merged", unsafe)
    login(school.instructor)
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/merged")
    assert response.status_code == 404


def test_symlink_out_of_folder_rejected(app, client, login, school, stored_job) -> None:  # noqa: ANN001
    write("secret.pdf", b"outside the job folder")
    root = services.storage_root()
    link = root / stored_job.output_key / "linked.pdf"
    os.symlink(root / "secret.pdf", link)
    set_key(stored_job, "merged", f"{stored_job.output_key}/linked.pdf")
    login(school.instructor)
    response = download(client, f"/print-jobs/{stored_job.job_id}/files/merged")
    assert response.status_code == 404


def test_unfinished_job_has_no_downloads(
    app, client, login, school, make_credential
) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
    db.session.info.pop(dispatch.PENDING_KEY)
    db.session.commit()
    login(school.instructor)
    assert download(client, f"/print-jobs/{job.job_id}/files/merged").status_code == 404
