"""Matrix and learner report exports: formula guard, Unicode, filters, streaming."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from flask import Flask

from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.suites import Suite
from laurel.reports.exports import content_disposition, guard_cell
from laurel.rosters import services as rosters
from tests.reports.conftest import install_suite, sample_declaration
from tests.reports.seeding import (
    bulk_learners,
    bulk_progress,
    failed,
    passed,
    seed_progress,
)
from tests.reports.test_matrix_statements import counted_statements

BOM = b"\xef\xbb\xbf"
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
PAYLOAD = 'HYPERLINK("http://127.0.0.1/x","open me")'
WORLD_NAMES = [
    ("Zoë", "Brontë"),
    ("Thị Mai", "Nguyễn"),
    ("민준", "김"),
    ("محمد", "الحسن"),
    ("伟", "陈"),
]


def read_csv(response: Any) -> list[list[str]]:
    """Parse a CSV export as a spreadsheet would, checking the BOM first."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def xlsx_types(response: Any) -> set[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return {
        cell.data_type for row in workbook.worksheets[0].iter_rows() for cell in row
    }


def export(client: Any, suite: Suite, fmt: str, **args: str) -> Any:
    return client.get(
        f"/reports/matrix/export.{fmt}", query_string={"suite": suite.key, **args}
    )


def by_email(rows: list[list[Any]]) -> dict[str, list[Any]]:
    header = rows[0]
    email = header.index("Email")
    return {row[email]: row for row in rows[1:]}


# The formula guard


@pytest.mark.parametrize("first", DANGEROUS_FIRST, ids=repr)
def test_guard_quotes_formula_starts(first: str) -> None:
    assert guard_cell(first + PAYLOAD) == "'" + first + PAYLOAD


def test_guard_keeps_plain_text() -> None:
    assert guard_cell("Ada") == "Ada"
    assert guard_cell("") == ""
    assert guard_cell(None) == ""
    assert guard_cell(" =1+1") == " =1+1"
    assert guard_cell("a=b") == "a=b"


@pytest.fixture
def dangerous_learners(org: Organisation, suite: Suite) -> dict[str, str]:
    """Learners whose first name starts with each dangerous character, by email."""
    names = [
        (first + PAYLOAD, f"Danger{index}")
        for index, first in enumerate(DANGEROUS_FIRST)
    ]
    ids = bulk_learners(org, len(names), name=lambda i: names[i])
    emails = {user_id: db.session.get(User, user_id).email for user_id in ids}
    return {emails[user_id]: names[index][0] for index, user_id in enumerate(ids)}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_quotes_formulas_in_names(
    client, login, instructor, suite, dangerous_learners, fmt: str
) -> None:
    login(instructor)
    response = export(client, suite, fmt)
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    first_name = rows[0].index("First name")
    exported = by_email(rows)
    for email, name in dangerous_learners.items():
        if fmt == "xlsx":
            name = name.replace("\r", "\n")  # XML reads a raw CR as LF
        assert exported[email][first_name] == "'" + name, repr(name[0])
    if fmt == "xlsx":
        assert xlsx_types(response) <= {"s", "inlineStr"}  # text, never "f"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_quotes_formulas_from_suites(
    app: Flask, client, login, org, instructor, make_user, fmt: str
) -> None:
    declaration = sample_declaration("hostile")
    declaration["areas"][0]["title"] = "=cmd|' /C calc'!A0"
    declaration["units"][0]["title"] = "@SUM(1+1)"
    suite = install_suite(app, declaration)
    learner = make_user(org, Role.LEARNER, first_name="Hal")
    seed_progress(org.id, learner.id, suite, {"communication_test": passed(80)})
    login(instructor)
    matrix = export(client, suite, fmt)
    header = (read_csv(matrix) if fmt == "csv" else read_xlsx(matrix))[0]
    assert "'@SUM(1+1)" in header
    report = client.get(f"/reports/learners/{learner.id}/export.{fmt}")
    rows = read_csv(report) if fmt == "csv" else read_xlsx(report)
    area = rows[0].index("Area")
    unit = rows[0].index("Unit")
    assert rows[1][area] == "'=cmd|' /C calc'!A0"
    assert rows[1][unit] == "'@SUM(1+1)"


def test_xlsx_drops_control_characters(client, login, org, instructor, suite) -> None:
    bulk_learners(org, 1, name=lambda i: ("Bell\x07Ringer", "Start\x01Heading"))
    login(instructor)
    rows = read_xlsx(export(client, suite, "xlsx"))
    assert rows[1][:2] == ["StartHeading", "BellRinger"]


# Names from any script


@pytest.fixture
def world_learners(org: Organisation, suite: Suite) -> list[int]:
    ids = bulk_learners(org, len(WORLD_NAMES), name=lambda i: WORLD_NAMES[i])
    bulk_progress(org.id, suite, [(ids[0], {"communication_test": passed(91)})])
    return ids


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_keeps_names_from_any_script(
    client, login, instructor, suite, world_learners, fmt: str
) -> None:
    login(instructor)
    response = export(client, suite, fmt)
    rows = read_csv(response) if fmt == "csv" else read_xlsx(response)
    header = rows[0]
    names = sorted(
        (row[header.index("First name")], row[header.index("Last name")])
        for row in rows[1:]
    )
    assert names == sorted(WORLD_NAMES)
    zoe = next(row for row in rows[1:] if row[header.index("First name")] == "Zoë")
    assert zoe[header.index("Communication assessment")] == "passed, 91%"
    assert zoe[header.index("Areas passed")] == "1 of 4"


def test_learner_report_export_filename(
    client, login, instructor, suite, world_learners
) -> None:
    chen = world_learners[4]
    login(instructor)
    response = client.get(f"/reports/learners/{chen}/export.csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="report-')
    assert "filename*=UTF-8''" + quote("report-陈-伟", safe="") in disposition
    assert disposition.isascii()


def test_content_disposition_forms() -> None:
    assert content_disposition("progress.csv") == 'attachment; filename="progress.csv"'
    accented = content_disposition('Classe "été" 3.csv')
    assert accented.startswith('attachment; filename="Classe_ete_3.csv"; ')
    assert accented.endswith("filename*=UTF-8''Classe%20%22%C3%A9t%C3%A9%22%203.csv")
    chinese = content_disposition("陈伟.xlsx")
    assert chinese.startswith('attachment; filename="export.xlsx"; ')
    assert chinese.endswith("filename*=UTF-8''%E9%99%88%E4%BC%9F.xlsx")
    assert content_disposition("a\r\nb;c.csv").isascii()
    assert "\n" not in content_disposition("a\r\nb;c.csv")


# Filters, files and streaming


def test_export_applies_filters(
    client, login, org, instructor, suite, make_user
) -> None:
    close = make_user(org, Role.LEARNER, first_name="Close")
    far = make_user(org, Role.LEARNER, first_name="Far")
    seed_progress(
        org.id,
        close.id,
        suite,
        {
            "communication_test": passed(80),
            "teamwork_test": passed(75),
            "safety_test": failed(10),
        },
    )
    seed_progress(org.id, far.id, suite, {"communication_test": failed(20)})
    group = rosters.create_group(org.id, "Classe été", actor_id=None)
    rosters.add_members(group, [close.id, far.id], actor_id=None)
    db.session.commit()

    login(instructor)
    args = {"one_area_away": "1", "group": str(group.id), "view": "areas"}
    response = export(client, suite, "csv", **args)
    rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == ["Close"]

    header = rows[0]
    assert header[-4:] == ["Communication", "Teamwork", "Safety", "Digital"]
    assert rows[1][-4:] == [
        "passed, 80%",
        "passed, 75%",
        "failed, 1 of 1 attempts used",
        "not assigned",
    ]
    assert rows[1][header.index("Groups")] == "Classe été"
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''progress-sample-Classe_%C3%A9t%C3%A9-" in disposition


def test_csv_export_streams_in_chunks(client, login, org, instructor, suite) -> None:
    ids = bulk_learners(org, 1_200)
    bulk_progress(
        org.id,
        suite,
        [(learner_id, {"teamwork_test": passed(77)}) for learner_id in ids],
    )
    login(instructor)
    with counted_statements() as statements:
        response = client.get(
            "/reports/matrix/export.csv",
            query_string={"suite": suite.key},
            buffered=False,
        )
        assert response.is_streamed
        rows = read_csv(response)
    assert len(rows) == 1_201
    assert rows[-1][0] == "Family01199"
    # Three chunks of 500 learners: one streamed query plus cells and groups
    # per chunk, and the few statements of loading the user and the filters.
    assert len(statements) <= 14


def test_xlsx_export_has_length(client, login, org, instructor, suite) -> None:
    bulk_learners(org, 30)
    login(instructor)
    response = export(client, suite, "xlsx")
    assert response.content_length == len(response.get_data())
    assert len(read_xlsx(response)) == 31
    assert response.headers["Content-Disposition"].endswith('.xlsx"')


def test_learner_report_export_rows(
    client, login, org, instructor, suite, make_user
) -> None:
    learner = make_user(org, Role.LEARNER, first_name="Rae", last_name="Rivers")
    seed_progress(
        org.id,
        learner.id,
        suite,
        {"communication_test": failed(30), "communication_lesson": passed(40, 85)},
    )
    login(instructor)
    rows = read_csv(client.get(f"/reports/learners/{learner.id}/export.csv"))
    header = rows[0]
    lesson = [
        row
        for row in rows[1:]
        if row[header.index("Unit")] == "Communication skill building"
    ]
    assert [row[header.index("Attempt")] for row in lesson] == ["1", "2"]
    assert [row[header.index("Score")] for row in lesson] == ["40", "85"]
    assert [row[header.index("Result")] for row in lesson] == ["failed", "passed"]
    assert lesson[1][header.index("Submitted (UTC)")] == "2025-03-05 09:00"
    unassigned = [
        row for row in rows[1:] if row[header.index("Unit status")] == "not assigned"
    ]
    assert len(unassigned) == 6
    assert (
        rows[1][header.index("Credential")] == "not earned; missing: Teamwork, Safety"
    )


def test_my_report_export(client, login, org, suite, make_user) -> None:
    learner = make_user(org, Role.LEARNER, first_name="محمد", last_name="الحسن")
    seed_progress(org.id, learner.id, suite, {"safety_test": passed(99)})
    login(learner)
    rows = read_xlsx(client.get("/reports/me/export.xlsx"))
    header = rows[0]
    safety = next(
        row for row in rows[1:] if row[header.index("Unit")] == "Safety assessment"
    )
    assert safety[header.index("Best score")] == "99"
    assert safety[header.index("Result")] == "passed"
