"""A teacher imports a class list through the wizard in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.rosters.conftest import learner

pytestmark = [pytest.mark.browser, pytest.mark.backends("sqlite")]

ROSTER = (
    "\ufeffGiven name;Surname;E-mail;Class\r\n"
    "Zoë;O'Brien-Walsh;zoe@example.org;7A\r\n"
    ";;;\r\n"
    "민준;김;minjun@example.org;7A\r\n"
)


def test_import_through_wizard(live_server, page, instructor, tmp_path: Path) -> None:  # noqa: ANN001
    roster = tmp_path / "class 7A.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(instructor.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/learners")
    page.get_by_role("link", name="Import a class list").click()

    page.get_by_label("Class list file (CSV or Excel .xlsx)").set_input_files(
        str(roster)
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r".*/learners/import/[\w-]+$"))
    counts = page.locator(".import-counts")
    assert "2 to create" in counts.inner_text()
    assert "1 blank rows skipped" in counts.inner_text()
    assert "UTF-8 with BOM, semicolon-separated" in page.content()

    page.get_by_role("button", name="Import 2 learners").click()
    page.wait_for_url(re.compile(r".*/result$"))
    assert "Imported: 2 created" in page.locator(".import-counts").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the login sheet (CSV)").click()
    sheet = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    assert "zoe@example.org" in sheet

    page.get_by_role("link", name="See the learners").click()
    table = page.locator("table.list")
    assert "O'Brien-Walsh, Zoë" in table.inner_text()
    assert "김, 민준" in table.inner_text()
    assert learner("minjun@example.org").first_name == "민준"
