"""Printing without Redis: the job function runs in a thread of the app."""

from __future__ import annotations

import csv
import io
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from laurel.extensions import db
from laurel.printing.models import PrintJob, PrintKind, PrintStatus
from tests.print_jobs.conftest import download


def pdf_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def only_job() -> PrintJob:
    return db.session.scalars(select(PrintJob)).one()


def test_single_print_makes_pdf(
    app, client, login, school, make_credential, wait_for_jobs
) -> None:
    credential = make_credential(school.learners[0])
    login(school.instructor)
    response = client.post(f"/credentials/{credential.public_id}/print")
    job = only_job()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/print-jobs/{job.job_id}"
    assert job.dispatch == "in_process"
    wait_for_jobs()
    assert job.status is PrintStatus.DONE, job.error
    assert [item["kind"] for item in job.outputs] == ["merged"]
    merged = download(client, f"/print-jobs/{job.job_id}/files/merged")
    assert merged.status_code == 200
    assert merged.mimetype == "application/pdf"
    assert merged.headers["Content-Disposition"].startswith("attachment;")
    texts = pdf_texts(merged.data)
    assert len(texts) == 1
    assert "Ada Lovelace" in texts[0]
    assert credential.code in texts[0]


def test_group_print_outputs(
    app, client, login, school, make_credential, wait_for_jobs
) -> None:
    credentials = [make_credential(learner) for learner in school.learners]
    login(school.instructor)
    response = client.post(
        "/print/credentials",
        data={"all": "1", "suite": "workplace_readiness"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    wait_for_jobs()
    job = only_job()
    assert job.status is PrintStatus.DONE, job.error
    assert job.kind is PrintKind.CREDENTIALS
    assert sorted(item["kind"] for item in job.outputs) == ["manifest", "merged", "zip"]
    # Print order is last name, then first name: Lovelace before Martin.
    merged = pdf_texts(download(client, f"/print-jobs/{job.job_id}/files/merged").data)
    assert len(merged) == 2
    assert "Ada Lovelace" in merged[0]
    assert "Zoë Martin" in merged[1]
    archive = download(client, f"/print-jobs/{job.job_id}/files/zip")
    assert archive.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert sorted(opened.namelist()) == sorted(f"{c.code}.pdf" for c in credentials)
    manifest = download(client, f"/print-jobs/{job.job_id}/files/manifest")
    assert manifest.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(manifest.text())))
    assert [row["name"] for row in rows] == ["Ada Lovelace", "Zoë Martin"]
    assert [row["code"] for row in rows] == [c.code for c in credentials]
    assert rows[0]["email"] == school.learners[0].email


def test_job_page_shows_downloads(
    app, client, login, school, make_credential, wait_for_jobs
) -> None:
    credential = make_credential(school.learners[0])
    login(school.instructor)
    client.post(f"/credentials/{credential.public_id}/print")
    wait_for_jobs()
    job = only_job()
    page = client.get(f"/print-jobs/{job.job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert f"/print-jobs/{job.job_id}/files/merged" in page
    assert "done" in page


def test_missing_glyph_fails_the_job(
    app, client, login, school, make_credential, wait_for_jobs
) -> None:
    learner = school.learners[0]
    learner.first_name = "Ada \U0001f9ea"  # a test tube: no installed font has it
    db.session.commit()
    credential = make_credential(learner)
    login(school.instructor)
    client.post(f"/credentials/{credential.public_id}/print")
    wait_for_jobs()
    job = only_job()
    assert job.status is PrintStatus.FAILED
    assert "MissingGlyphsError" in job.error
    page = client.get(f"/print-jobs/{job.job_id}").get_data(as_text=True)
    assert "no installed font covers" in page
