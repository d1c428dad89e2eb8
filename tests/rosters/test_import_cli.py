"""``laurel users import``: JSON output, exit codes, dry runs and the progress bar."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from flask import Flask
from laurel.identity.passwords import verify_password

from tests.rosters.conftest import csv_bytes, learner, learner_count

HEADER = "First name,Last name,Email,Group"
REQUIRED_KEYS = {
    "created",
    "updated",
    "unchanged",
    "skipped_blank",
    "errors",
    "committed",
}


def run_cli(
    app: Flask, tmp_path: Path, data: bytes, *options: str, name: str = "roster.csv"
):
    path = tmp_path / name
    path.write_bytes(data)
    runner = app.test_cli_runner()
    return runner.invoke(
        args=["users", "import", str(path), "--org", "riverside", *options]
    )


def test_json_output_shape(app, org, tmp_path) -> None:
    result = run_cli(
        app,
        tmp_path,
        csv_bytes(HEADER, "Ann,Lee,ann@example.org,7A", "", "Bo,Ng,bo@example.org,"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert REQUIRED_KEYS <= set(output)
    assert output["created"] == 2
    assert output["updated"] == 0
    assert output["unchanged"] == 0
    assert output["skipped_blank"] == 1
    assert output["errors"] == []
    assert output["committed"] is True
    assert output["encoding"] == "UTF-8"
    assert output["delimiter"] == ","
    assert learner_count(org) == 2


def test_row_error_exits_1_and_writes_nothing(app, org, tmp_path) -> None:
    result = run_cli(
        app,
        tmp_path,
        csv_bytes(HEADER, "Ann,Lee,ann@example.org,", "Bo,Ng,bo@@example,"),
        "--json",
    )
    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output["committed"] is False
    assert output["errors"] == [
        {
            "row": 3,
            "column": "Email",
            "value": "bo@@example",
            "message": "'bo@@example' is not an email address; "
            "use the form name@example.org.",
        }
    ]
    assert learner_count(org) == 0


def test_dry_run_writes_nothing(app, org, tmp_path) -> None:
    result = run_cli(
        app,
        tmp_path,
        csv_bytes(HEADER, "Ann,Lee,ann@example.org,"),
        "--dry-run",
        "--json",
    )
    assert result.exit_code == 0
    output = json.loads(result.stdout)
    assert output["committed"] is False
    assert output["dry_run"] is True
    assert output["created"] == 1, "a dry run counts what it would do"
    assert learner_count(org) == 0


def test_dry_run_with_errors_exits_1(app, org, tmp_path) -> None:
    result = run_cli(
        app, tmp_path, csv_bytes(HEADER, "Ann,,ann@example.org,"), "--dry-run", "--json"
    )
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"][0]["column"] == "Last name"


def test_valid_only_commits_and_exits_1(app, org, tmp_path) -> None:
    result = run_cli(
        app,
        tmp_path,
        csv_bytes(HEADER, "Ann,Lee,ann@example.org,", "Bo,Ng,bad,"),
        "--valid-only",
        "--json",
    )
    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output["committed"] is True
    assert output["created"] == 1
    assert output["rejected"] == 1
    assert learner_count(org) == 1


def test_update_mode(app, org, make_user, tmp_path) -> None:
    make_user(org, email="ann@example.org", first_name="Ann", last_name="Old")
    data = csv_bytes(HEADER, "Ann,New,ann@example.org,")
    added = json.loads(run_cli(app, tmp_path, data, "--json").stdout)
    assert (added["unchanged"], added["updated"]) == (1, 0)
    updated = json.loads(
        run_cli(app, tmp_path, data, "--mode", "update", "--json").stdout
    )
    assert (updated["unchanged"], updated["updated"]) == (0, 1)
    assert learner("ann@example.org").last_name == "New"


def test_missing_column_json(app, org, tmp_path) -> None:
    result = run_cli(
        app, tmp_path, csv_bytes("Name,Mail", "Ann Lee,ann@example.org"), "--json"
    )
    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert REQUIRED_KEYS <= set(output)
    (error,) = output["errors"]
    assert error["row"] == 1
    assert "Headers found: 'Name', 'Mail'" in error["message"]


def test_non_csv_file_rejected(app, org, tmp_path) -> None:
    result = run_cli(app, tmp_path, b"%PDF-1.4", name="roster.pdf")
    assert result.exit_code == 1
    assert "is not a CSV or XLSX file" in result.stderr


def test_unknown_org(app, tmp_path) -> None:
    result = run_cli(app, tmp_path, csv_bytes(HEADER))
    assert result.exit_code == 1
    assert "no organisation with slug 'riverside'" in result.stderr


def test_progress_bar_on_stderr(app, org, tmp_path) -> None:
    lines = [f"L{n},Person,l{n}@example.org," for n in range(12)]
    result = run_cli(app, tmp_path, csv_bytes(HEADER, *lines), "--json")
    assert result.exit_code == 0
    assert "Hashing passwords" in result.stderr
    assert "Hashing" not in result.stdout
    json.loads(result.stdout)


def test_text_report(app, org, tmp_path) -> None:
    data = "First name;Last name;Email;Notes\nZoë;Brown;zoe@example.org;x\n".encode(
        "cp1252"
    )
    result = run_cli(app, tmp_path, data)
    assert result.exit_code == 0
    assert "Read CSV, Windows-1252, semicolon-separated" in result.stdout
    assert "Warning: Unknown column 'Notes' was ignored." in result.stdout
    assert "Imported: 1 created, 0 updated, 0 unchanged." in result.stdout
    assert "1 passwords were generated and not saved" in result.stderr


@pytest.mark.backends("sqlite")
def test_login_sheet_file(app, org, tmp_path) -> None:
    sheet = tmp_path / "sheet.csv"
    result = run_cli(
        app,
        tmp_path,
        csv_bytes(HEADER, "Zoë,Brown,zoe@example.org,7A"),
        "--login-sheet",
        str(sheet),
    )
    assert result.exit_code == 0, result.output
    raw = sheet.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    header, row = raw.decode("utf-8-sig").splitlines()
    assert header == "Last name,First name,Email (login),Password,Groups"
    last, first, email, password, groups = row.split(",")
    assert (last, first, email, groups) == ("Brown", "Zoë", "zoe@example.org", "7A")
    assert verify_password(learner("zoe@example.org").password_hash, password)
    assert stat.S_IMODE(sheet.stat().st_mode) == 0o600
