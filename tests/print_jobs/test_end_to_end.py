"""A group print of 30 earned credentials on real Redis with a real worker process.

The credentials are earned the way learners earn them: a subscription
assigned through the assignment service and every assessment passed, so
the credential issuing service issues them. The print is requested through
the web pages and rendered by ``laurel-printing worker`` in a subprocess.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.plugins.registry import hooks
from laurel.printing.models import PrintJob, PrintStatus
from laurel.rosters import services as rosters
from tests.assignments.helpers import assign, grant, real_suite, take, unit_of
from tests.print_jobs.conftest import download

WORKER = Path(sys.executable).with_name("laurel-printing")
LEARNERS = 30
# Hang guard while waiting for the worker: far above the seconds it needs.
WAIT_SECONDS = 600
FIRST_NAMES = ["Zoë", "José", "Søren", "Łucja", "Amélie", "Björn", "Chloé", "Dário"]
LAST_NAMES = ["Martin", "Núñez", "O'Brien", "Smith-Jones", "Kowalski", "Dvořák"]


@pytest.fixture
def app_config(app_config, redis_url):  # noqa: ANN001, ANN201 - extends the root fixture
    app_config["REDIS_URL"] = redis_url
    return app_config


@pytest.fixture
def worker(app, redis_url, tmp_path) -> Iterator[subprocess.Popen]:  # noqa: ANN001
    """Start ``laurel-printing worker`` on the test Redis; stop it afterwards."""
    log_path = tmp_path / "worker.log"
    command = [
        str(WORKER),
        "worker",
        "--redis-url",
        redis_url,
        "--storage-path",
        app.config["LAUREL_STORAGE_PATH"],
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def earn_credentials(make_org, make_user):  # noqa: ANN001, ANN201
    """Return an instructor and a group of learners who all earned a credential."""
    org = make_org("riverside", "Riverside College")
    instructor = make_user(org, Role.INSTRUCTOR, first_name="Dana", last_name="Smith")
    learners = [
        make_user(
            org,
            Role.LEARNER,
            first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[number % len(LAST_NAMES)]} {number:02d}",
        )
        for number in range(LEARNERS)
    ]
    group = rosters.create_group(org.id, "Class 10B", actor_id=instructor.id)
    rosters.add_members(group, [learner.id for learner in learners], instructor.id)
    db.session.commit()
    if hooks().laurel_balance(org_id=org.id) is not None:
        grant(org.id, 5 * LEARNERS)
    assign(org.id, instructor, learners)
    suite = real_suite()
    for learner in learners:
        for unit in suite.units:
            if unit.is_assessment:
                take(unit_of(learner, unit.key), correct=9)
    return instructor, group


def wait_until_finished(client, job_id: str) -> list[str]:  # noqa: ANN001
    """Poll the job page as a browser would; return the progress texts seen."""
    seen = []
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        page = client.get(f"/print-jobs/{job_id}").get_data(as_text=True)
        seen.extend(re.findall(r"Rendered \d+ of \d+", page))
        job = db.session.scalar(select(PrintJob).where(PrintJob.job_id == job_id))
        if job.finished:
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"print job {job_id} still {job.status.value}; see worker.log")
        time.sleep(0.2)


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def scan_qr_codes(pdf: bytes) -> list[list[str]]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=2).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append([barcode.text for barcode in found])
        return pages
    finally:
        document.close()


@pytest.mark.backends("postgresql")
def test_group_print_end_to_end(
    app, client, login, make_org, make_user, worker
) -> None:  # noqa: ANN001
    instructor, group = earn_credentials(make_org, make_user)
    credentials = db.session.scalars(select(Credential)).all()
    assert len(credentials) == LEARNERS

    login(instructor)
    preview = client.get(f"/print/credentials?all=1&group={group.id}")
    assert "30 credentials included; 0 learners skipped." in preview.get_data(
        as_text=True
    )
    response = client.post(
        "/print/credentials",
        data={"all": "1", "group": str(group.id), "suite": "workplace_readiness"},
    )
    assert response.status_code == 302
    job = db.session.scalars(select(PrintJob)).one()
    assert job.dispatch == "redis"
    progress_seen = wait_until_finished(client, job.job_id)
    assert worker.poll() is None, "the worker exited during the job"
    assert job.status is PrintStatus.DONE, job.error
    assert all(text.endswith("of 30") for text in progress_seen)

    in_order = [item.credential for item in job.items]
    merged = download(client, f"/print-jobs/{job.job_id}/files/merged").data
    texts = [
        normalised(page.extract_text()) for page in PdfReader(io.BytesIO(merged)).pages
    ]
    assert len(texts) == LEARNERS
    for credential, text in zip(in_order, texts, strict=True):
        assert normalised(credential.learner_name) in text
        assert credential.code in text

    archive = download(client, f"/print-jobs/{job.job_id}/files/zip").data
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        names = opened.namelist()
        assert sorted(names) == sorted(f"{c.code}.pdf" for c in credentials)
        for name in names:
            assert len(PdfReader(io.BytesIO(opened.read(name))).pages) == 1

    manifest = download(client, f"/print-jobs/{job.job_id}/files/manifest").text()
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert [row["code"] for row in rows] == [c.code for c in in_order]
    assert [row["file"] for row in rows] == [f"{c.code}.pdf" for c in in_order]

    scanned = scan_qr_codes(merged)
    first = in_order[0]
    assert scanned[0] == [f"http://localhost/verify/{first.public_id}"]
    assert all(len(codes) == 1 for codes in scanned)
    client.post("/logout")
    verification = client.get(scanned[0][0].removeprefix("http://localhost"))
    assert verification.status_code == 200
    assert "Valid." in verification.get_data(as_text=True)
    assert first.learner_name in verification.get_data(as_text=True)
