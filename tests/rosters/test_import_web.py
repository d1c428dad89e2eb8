"""The import wizard: upload, preview, commit, background progress, login sheet."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.passwords import verify_password
from laurel.identity.services import utcnow
from laurel.rosters import import_jobs, import_storage
from laurel.rosters.import_models import RosterImport
from sqlalchemy import select, update

from tests.rosters.conftest import csv_bytes, learner, learner_count, xlsx_bytes

HEADER = "First name,Last name,Email,Group"
UPLOAD_URL = "/learners/import"


@pytest.fixture
def staff(login, instructor):
    return login(instructor)


def upload(client, data: bytes, filename: str = "roster.csv", mode: str = "add"):
    return client.post(
        UPLOAD_URL,
        data={"file": (io.BytesIO(data), filename), "mode": mode},
        content_type="multipart/form-data",
    )


def token_from(response) -> str:
    match = re.search(r"/learners/import/([\w-]+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def latest_import() -> RosterImport:
    db.session.expire_all()
    return db.session.scalar(select(RosterImport).order_by(RosterImport.id.desc()))


def test_upload_page_has_labelled_file_input(staff) -> None:
    page = staff.get(UPLOAD_URL).get_data(as_text=True)
    match = re.search(
        r'<input[^>]*id="file"[^>]*type="file"|<input[^>]*type="file"[^>]*id="file"',
        page,
    )
    assert match, page
    assert '<label for="file">' in page
    assert 'enctype="multipart/form-data"' in page


def test_learners_page_links_to_wizard(staff) -> None:
    assert UPLOAD_URL in staff.get("/learners").get_data(as_text=True)


def test_learner_cannot_open_wizard(login, org, make_user) -> None:
    client = login(make_user(org, Role.LEARNER))
    assert client.get(UPLOAD_URL).status_code == 403


def test_preview_errors_first_with_counts(staff, org) -> None:
    lines = ["First name;Last name;Email;Notes", "Zoë;Lee;ann@example.org;x", ";;;"]
    data = "\r\n".join([*lines, "Bo;Ng;bad;", ""]).encode("cp1252")
    response = upload(staff, data)
    assert response.status_code == 302
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Windows-1252, semicolon-separated" in page
    assert "1 to create, 0 to update, 0 unchanged" in page
    assert "1 with errors" in page
    assert "1 blank rows skipped" in page
    assert "Unknown column &#39;Notes&#39; was ignored." in page
    assert page.index("bad") < page.index("ann@example.org"), "errors come first"
    assert "Import the 1 valid rows only" in page
    assert learner_count(org) == 0, "a preview writes nothing"


def test_preview_escapes_names(staff) -> None:
    response = upload(
        staff, csv_bytes(HEADER, "<script>x</script>,Lee,ann@example.org,")
    )
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page


def test_preview_paginates(staff) -> None:
    lines = [f"P{n},Person,p{n}@example.org," for n in range(230)] + ["Bad,Row,nope,"]
    response = upload(staff, csv_bytes(HEADER, *lines))
    location = response.headers["Location"]
    first = staff.get(location).get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert "nope" in first, "the error row leads the first page"
    assert "p229@example.org" not in first
    last = staff.get(location + "?page=3").get_data(as_text=True)
    assert "p229@example.org" in last
    errors_only = staff.get(location + "?show=error").get_data(as_text=True)
    assert "nope" in errors_only
    assert "p0@example.org" not in errors_only


def test_commit_all_or_nothing_refuses_errors(staff, org) -> None:
    token = token_from(
        upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,", "Bo,Ng,bad,"))
    )
    response = staff.post(
        f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"}
    )
    assert response.headers["Location"].endswith(f"/learners/import/{token}?mode=add")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: 1 rows have errors." in page
    assert learner_count(org) == 0


def test_commit_valid_only(staff, org) -> None:
    token = token_from(
        upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,7A", "Bo,Ng,bad,"))
    )
    response = staff.post(
        f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "valid"}
    )
    assert response.headers["Location"].endswith(f"/{token}/result")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Imported: 1 created, 0 updated, 0 unchanged, 1 rows with errors not imported."
        in page
    )
    assert "bad" in page, "the rejected row is listed"
    assert "New groups: 7A." in page
    assert learner_count(org) == 1
    assert import_storage.read_upload(token) is None, (
        "the upload is deleted after the commit"
    )


def test_commit_then_learners_listed(staff, org) -> None:
    token = token_from(
        upload(staff, csv_bytes(HEADER, "Zoë,O'Brien-Walsh,zoe@example.org,"))
    )
    staff.post(f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"})
    page = staff.get("/learners").get_data(as_text=True)
    assert "O&#39;Brien-Walsh, Zoë" in page
    assert learner("zoe@example.org").last_name == "O'Brien-Walsh"


def test_update_mode_from_preview(staff, org, make_user) -> None:
    make_user(org, email="ann@example.org", first_name="Ann", last_name="Old")
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,New,ann@example.org,")))
    preview = staff.get(f"{UPLOAD_URL}/{token}?mode=update").get_data(as_text=True)
    assert "0 to create, 1 to update" in preview
    staff.post(f"{UPLOAD_URL}/{token}/commit", data={"mode": "update", "choice": "all"})
    assert learner("ann@example.org").last_name == "New"


def test_login_sheet_downloads_once(staff, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Zoë,Brown,zoe@example.org,7A")))
    staff.post(f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"})
    result = staff.get(f"{UPLOAD_URL}/{token}/result").get_data(as_text=True)
    assert "Download the login sheet" in result
    sheet = staff.post(f"{UPLOAD_URL}/{token}/login-sheet")
    assert sheet.status_code == 200
    assert sheet.mimetype == "text/csv"
    assert "attachment" in sheet.headers["Content-Disposition"]
    assert sheet.headers["Cache-Control"] == "no-store"
    text = sheet.get_data().decode("utf-8-sig")
    row = text.splitlines()[1].split(",")
    assert row[:3] == ["Brown", "Zoë", "zoe@example.org"]
    assert verify_password(learner("zoe@example.org").password_hash, row[3])
    again = staff.post(f"{UPLOAD_URL}/{token}/login-sheet")
    assert again.status_code == 302
    page = staff.get(again.headers["Location"]).get_data(as_text=True)
    assert "The login sheet is no longer available" in page
    assert "was downloaded on" in page
    assert row[3] not in page


def test_file_over_setting_limit(app, staff) -> None:
    app.config["LAUREL_IMPORT_MAX_BYTES"] = 2000
    response = upload(staff, csv_bytes(HEADER, *["A,B,a@example.org,"] * 200))
    assert response.status_code == 400
    assert "larger than the limit of 2,000 bytes" in response.get_data(as_text=True)
    assert latest_import() is None


def test_request_over_max_content_length(app, staff) -> None:
    app.config["LAUREL_IMPORT_MAX_BYTES"] = 2000
    app.config["MAX_CONTENT_LENGTH"] = 4000
    response = upload(staff, b"x" * 10_000)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than the limit of 2,000 bytes" in page
    assert 'type="file"' in page, "the form is shown again"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.4 binary", "roster.pdf", "is not a CSV or XLSX file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "roster.csv", "not a text file"),
        (
            csv_bytes("Name,Mail", "A B,a@b.org"),
            "roster.csv",
            "Headers found: &#39;Name&#39;, &#39;Mail&#39;",
        ),
    ],
)
def test_unusable_file_rejected(
    staff, data: bytes, filename: str, expected: str
) -> None:
    response = upload(staff, data, filename)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert latest_import() is None


def test_no_file_chosen(staff) -> None:
    response = staff.post(
        UPLOAD_URL, data={"mode": "add"}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose a CSV or XLSX file to upload." in response.get_data(as_text=True)


def test_xlsx_upload(staff, org) -> None:
    data = xlsx_bytes(
        [["Given name", "Surname", "E-mail"], ["김민준", "Kim", "k@example.org"]]
    )
    response = upload(staff, data, "class.xlsx")
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "XLSX" in page
    assert "김민준" in page


def test_other_staff_cannot_open_upload(staff, org, make_user, login) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    colleague = login(make_user(org, Role.INSTRUCTOR))
    assert colleague.get(f"{UPLOAD_URL}/{token}").status_code == 404
    commit = colleague.post(
        f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"}
    )
    assert commit.status_code == 404
    assert learner_count(org) == 0


def test_discard_deletes_file(staff, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    assert import_storage.read_upload(token) is not None
    staff.post(f"{UPLOAD_URL}/{token}/discard")
    assert import_storage.read_upload(token) is None
    assert latest_import().status == "discarded"
    commit = staff.post(
        f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"}
    )
    assert commit.headers["Location"].endswith("/result")
    assert learner_count(org) == 0


def test_second_commit_does_nothing(staff, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    staff.post(f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"})
    staff.post(f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"})
    assert learner_count(org) == 1
    assert latest_import().result["created"] == 1


def test_background_commit(app, staff, org) -> None:
    app.config["LAUREL_IMPORT_BACKGROUND_ROWS"] = 1
    lines = [f"P{n},Person,p{n}@example.org,Big class" for n in range(30)]
    token = token_from(upload(staff, csv_bytes(HEADER, *lines)))
    response = staff.post(
        f"{UPLOAD_URL}/{token}/commit", data={"mode": "add", "choice": "all"}
    )
    assert response.headers["Location"].endswith(f"/{token}/result")
    roster_import = latest_import()
    import_jobs.wait(roster_import.id, timeout=600)
    assert roster_import.id not in import_jobs.threads
    page = staff.get(f"{UPLOAD_URL}/{token}/result").get_data(as_text=True)
    assert "Imported: 30 created" in page
    assert 'http-equiv="refresh"' not in page
    assert learner_count(org) == 30
    assert latest_import().progress_done == 30


def test_running_import_page_refreshes(staff, instructor, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    db.session.execute(
        update(RosterImport)
        .where(RosterImport.token == token)
        .values(
            status="running",
            progress_done=250,
            progress_total=1000,
            updated_at=utcnow(),
        )
    )
    db.session.commit()
    page = staff.get(f"{UPLOAD_URL}/{token}/result").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Hashing passwords: 250 of 1000 (25%)" in page
    assert '<progress max="1000" value="250">' in page


def test_stale_running_import_reported(staff, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    db.session.execute(
        update(RosterImport)
        .where(RosterImport.token == token)
        .values(status="running", updated_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    page = staff.get(f"{UPLOAD_URL}/{token}/result").get_data(as_text=True)
    assert "stopped before it finished" in page
    assert 'http-equiv="refresh"' not in page
    assert latest_import().status == "failed"


def test_old_uploads_purged(staff, org) -> None:
    token = token_from(upload(staff, csv_bytes(HEADER, "Ann,Lee,ann@example.org,")))
    db.session.execute(
        update(RosterImport).values(created_at=utcnow() - timedelta(days=2))
    )
    db.session.commit()
    upload(staff, csv_bytes(HEADER, "Bo,Ng,bo@example.org,"))
    assert import_storage.read_upload(token) is None
    preview = staff.get(f"{UPLOAD_URL}/{token}")
    assert preview.headers["Location"].endswith(f"/{token}/result")
    page = staff.get(preview.headers["Location"]).get_data(as_text=True)
    assert "The uploaded file has expired and was deleted." in page


def test_request_over_limit_with_csrf_on(app, staff) -> None:
    """CSRF protection reads the form first, so the error arises before the view."""
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["MAX_CONTENT_LENGTH"] = 4000
    response = upload(staff, b"x" * 10_000)
    assert response.status_code == 413
    assert "The file is larger than the limit" in response.get_data(as_text=True)
