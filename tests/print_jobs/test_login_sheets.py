"""Login sheets of roster imports, printed without storing or logging passwords."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.printing import login_sheets, tracking
from laurel.printing.models import PrintJob, PrintKind, PrintStatus
from laurel.rosters import import_storage
from laurel.rosters.import_models import DONE, RosterImport, new_import_token
from laurel.rosters.import_report import login_sheet_csv
from laurel.rosters.importer import LoginSheetEntry
from tests.print_jobs.conftest import download

ENTRIES = [
    LoginSheetEntry(
        "Martin", "Zoë", "zoe.martin@example.org", "tulip-9-harbour", "10B"
    ),
    LoginSheetEntry("O'Brien", "Seán", "sean@example.org", "-quartz-41-lantern", "10B"),
]


@pytest.fixture
def roster_import(app, school):  # noqa: ANN001, ANN201
    """An import by the instructor whose login sheet is stored, as after a commit."""
    made = RosterImport(
        token=new_import_token(),
        org_id=school.org.id,
        created_by=school.instructor.id,
        filename="class-10b.csv",
        size_bytes=100,
        status=DONE,
        result={"created": 2, "updated": 0, "unchanged": 0, "rejected": 0},
        login_sheet_rows=len(ENTRIES),
    )
    db.session.add(made)
    db.session.commit()
    import_storage.save_login_sheet(made.token, login_sheet_csv(ENTRIES))
    return made


def test_stored_sheet_read_back(app, roster_import) -> None:  # noqa: ANN001
    rows = login_sheets.read_import_sheet(roster_import.token)
    assert rows == [
        {
            "name": "Zoë Martin",
            "email": "zoe.martin@example.org",
            "password": "tulip-9-harbour",
        },
        {
            "name": "Seán O'Brien",
            "email": "sean@example.org",
            "password": "-quartz-41-lantern",
        },
    ]


def test_print_button_on_result_page(client, login, school, roster_import) -> None:  # noqa: ANN001
    login(school.instructor)
    page = client.get(f"/learners/import/{roster_import.token}/result").get_data(
        as_text=True
    )
    assert f"/learners/import/{roster_import.token}/print-login-sheet" in page


def test_sheet_prints_without_storing_passwords(
    client, login, school, roster_import, wait_for_jobs, caplog
) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    login(school.instructor)
    response = client.post(f"/learners/import/{roster_import.token}/print-login-sheet")
    job = db.session.scalars(select(PrintJob)).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/print-jobs/{job.job_id}"
    wait_for_jobs()
    assert job.status is PrintStatus.DONE, job.error
    assert job.kind is PrintKind.LOGIN_SHEET
    assert job.title == "Login sheet of class-10b.csv"
    sheet = download(client, f"/print-jobs/{job.job_id}/files/login_sheet")
    assert sheet.mimetype == "application/pdf"
    assert sheet.headers["Cache-Control"] == "no-store"
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages
    )
    squeezed = re.sub(r"\s+", "", text)  # the sheet may wrap a long password
    for entry in ENTRIES:
        assert entry.email in squeezed
        assert entry.password in squeezed
    row = json.dumps(
        {
            column.name: str(getattr(job, column.name))
            for column in PrintJob.__table__.columns
        }
    )
    events = json.dumps(
        [event.details for event in db.session.scalars(select(AuditEvent))], default=str
    )
    for entry in ENTRIES:
        assert entry.password not in row
        assert entry.password not in events
        assert entry.password not in caplog.text
    # The CSV stays for its one download.
    assert import_storage.has_login_sheet(roster_import.token)


def test_other_users_import_not_found(
    client, login, school, roster_import, make_user
) -> None:  # noqa: ANN001
    from laurel.identity.models import Role

    colleague = make_user(school.org, Role.INSTRUCTOR)
    login(colleague)
    url = f"/learners/import/{roster_import.token}/print-login-sheet"
    assert client.post(url).status_code == 404
    assert db.session.scalars(select(PrintJob)).all() == []


def test_deleted_sheet_cannot_print(client, login, school, roster_import) -> None:  # noqa: ANN001
    import_storage.take_login_sheet(roster_import.token)
    login(school.instructor)
    response = client.post(
        f"/learners/import/{roster_import.token}/print-login-sheet",
        follow_redirects=True,
    )
    assert "The login sheet is no longer stored" in response.get_data(as_text=True)
    assert db.session.scalars(select(PrintJob)).all() == []


def test_old_printed_sheet_deleted(
    app, client, login, school, roster_import, wait_for_jobs
) -> None:  # noqa: ANN001
    login(school.instructor)
    client.post(f"/learners/import/{roster_import.token}/print-login-sheet")
    wait_for_jobs()
    job = db.session.scalars(select(PrintJob)).one()
    from laurel.printing import services

    path = services.output_path(job, "login_sheet")
    assert path is not None
    job.finished_at -= login_sheets.KEEP_FOR + timedelta(minutes=1)
    db.session.commit()
    report = tracking.sweep()
    assert report.purged == 1
    assert not path.exists()
    assert job.outputs == []
    assert job.status is PrintStatus.DONE
    page = client.get(f"/print-jobs/{job.job_id}").get_data(as_text=True)
    assert "The printed login sheet was deleted a day after printing" in page
