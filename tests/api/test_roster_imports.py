"""/api/v1/roster-imports: upload, dry-run preview, commit and the login sheet."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.rosters.import_models import RosterImport

ROSTER = (
    "First name,Last name,Email,Student id,Group\n"
    "Amara,Okafor,amara@riverside.example,R-001,Year 9\n"
    "Bao,Nguyen,bao@riverside.example,R-002,Year 9\n"
)
BAD_ROW = "Cy,Lee,not-an-email,R-003,Year 9\n"


@pytest.fixture
def org(make_org):  # noqa: ANN001, ANN201
    return make_org()


@pytest.fixture
def api(api_client, org):  # noqa: ANN001, ANN201
    return api_client(org)


def upload(api, text: str, name: str = "year9.csv", query: str = ""):  # noqa: ANN001, ANN201
    return api.post(
        f"/api/v1/roster-imports{query}",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def learners(org) -> list[str]:  # noqa: ANN001
    query = select(User.email).where(User.org_id == org.id, User.role == Role.LEARNER)
    return sorted(db.session.scalars(query))


def test_upload_previews_without_writing(api, org) -> None:
    response = upload(api, ROSTER)
    assert response.status_code == 201, response.json
    data = response.json
    assert data["status"] == "uploaded"
    assert data["mode"] == "add"
    assert data["preview"]["create"] == 2
    assert data["preview"]["error"] == 0
    assert data["result"] is None
    assert learners(org) == []
    again = api.get(f"/api/v1/roster-imports/{data['token']}?mode=update")
    assert again.status_code == 200
    assert again.json["mode"] == "update"
    assert again.json["preview"]["create"] == 2


def test_commit_creates_learners_and_sheet(api, org) -> None:
    token = upload(api, ROSTER).json["token"]
    committed = api.post(f"/api/v1/roster-imports/{token}/commit", json={})
    assert committed.status_code == 200, committed.json
    assert committed.json["status"] == "done"
    assert committed.json["result"]["created"] == 2
    assert committed.json["result"]["groups_created"] == ["Year 9"]
    assert committed.json["preview"] is None
    assert committed.json["login_sheet_available"] is True
    assert learners(org) == ["amara@riverside.example", "bao@riverside.example"]
    sheet = api.post(f"/api/v1/roster-imports/{token}/login-sheet")
    assert sheet.status_code == 200
    assert sheet.mimetype == "text/csv"
    assert sheet.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(sheet.get_data().decode("utf-8-sig"))))
    assert [row["Email (login)"] for row in rows] == [
        "amara@riverside.example",
        "bao@riverside.example",
    ]
    assert all(len(row["Password"]) >= 8 for row in rows)
    twice = api.post(f"/api/v1/roster-imports/{token}/login-sheet")
    assert twice.status_code == 404
    again = api.post(f"/api/v1/roster-imports/{token}/commit", json={})
    assert again.status_code == 409
    assert again.json["message"] == "token: This import is done, not uploaded."


def test_rows_with_errors_block_commit(api, org) -> None:
    uploaded = upload(api, ROSTER + BAD_ROW).json
    assert uploaded["preview"]["error"] == 1
    (error,) = uploaded["preview"]["errors"]
    assert error["row"] == 4
    assert error["column"] == "Email"
    assert error["value"] == "not-an-email"
    blocked = api.post(f"/api/v1/roster-imports/{uploaded['token']}/commit", json={})
    assert blocked.status_code == 409
    assert blocked.json["message"].startswith(
        "valid_only: Nothing was imported: 1 rows"
    )
    assert learners(org) == []
    partial = api.post(
        f"/api/v1/roster-imports/{uploaded['token']}/commit", json={"valid_only": True}
    )
    assert partial.status_code == 200
    assert partial.json["result"]["created"] == 2
    assert partial.json["result"]["rejected"] == 1


def test_unusable_files_rejected(api) -> None:
    missing_column = upload(api, "Name,Phone\nA B,123\n")
    assert missing_column.status_code == 422
    assert missing_column.json["message"].startswith("file: ")
    no_file = api.post(
        "/api/v1/roster-imports", data={}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 422
    assert no_file.json["message"] == "file: Missing data for required field."
    bad_mode = upload(api, ROSTER, query="?mode=replace")
    assert bad_mode.status_code == 422
    assert bad_mode.json["message"].startswith("query parameter mode: ")
    assert db.session.scalar(select(RosterImport)) is None


def test_commit_rejects_unknown_fields(api) -> None:
    token = upload(api, ROSTER).json["token"]
    response = api.post(f"/api/v1/roster-imports/{token}/commit", json={"org_id": 1})
    assert response.status_code == 422
    assert response.json["message"] == "org_id: Unknown field."


def test_other_org_import_not_found(api, api_client, make_org) -> None:
    token = upload(api, ROSTER).json["token"]
    other = api_client(make_org())
    for method, path in (
        ("GET", ""),
        ("POST", "/commit"),
        ("POST", "/login-sheet"),
    ):
        response = other.open(method, f"/api/v1/roster-imports/{token}{path}", json={})
        assert response.status_code == 404, path
    assert api.get(f"/api/v1/roster-imports/{token}").status_code == 200


def test_malformed_token_not_found(api) -> None:
    for token in ("x", "%00" * 20, "a" * 65):
        assert api.get(f"/api/v1/roster-imports/{token}").status_code == 404, token
