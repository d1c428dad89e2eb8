"""Stored outputs: result shape, ZIP, manifest, re-runs and the login sheet."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile

import pytest
from laurel_printing import jobs, progress, storage
from laurel_printing.jobs import enqueue_options, render_credentials, render_login_sheet
from rq import Retry

from . import pdfcheck

FOLDER = "print-jobs/8b0c0c9e"


def _files(root) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    )


def test_result_matches_stored_files(storage_root, make_credentials_payload) -> None:
    result = render_credentials(make_credentials_payload(5), storage_root=storage_root)
    assert result["output_key"] == FOLDER
    assert result["count"] == 5
    assert [entry["kind"] for entry in result["files"]] == ["merged", "zip", "manifest"]
    assert [entry["pages"] for entry in result["files"]] == [5, 5, 0]
    for entry in result["files"]:
        data = (storage_root / entry["key"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert _files(storage_root) == [
        f"{FOLDER}/credentials.pdf",
        f"{FOLDER}/credentials.zip",
        f"{FOLDER}/manifest.csv",
    ]


def test_zip_has_one_pdf_per_credential(storage_root, make_credentials_payload) -> None:
    payload = make_credentials_payload(9)
    render_credentials(payload, storage_root=storage_root)
    with zipfile.ZipFile(storage_root / FOLDER / "credentials.zip") as archive:
        names = archive.namelist()
        pdfs = [archive.read(name) for name in names]
    credentials = payload["credentials"]
    assert names == [f"{credential['short_code']}.pdf" for credential in credentials]
    for credential, data in zip(credentials, pdfs, strict=True):
        texts = pdfcheck.page_texts(data)
        assert len(texts) == 1
        assert credential["short_code"] in texts[0]
        assert credential["verification_url"] in texts[0]


def test_split_pdfs_keep_only_their_fonts(
    storage_root, make_credentials_payload
) -> None:
    render_credentials(make_credentials_payload(9), storage_root=storage_root)
    with zipfile.ZipFile(storage_root / FOLDER / "credentials.zip") as archive:
        latin_page = archive.read("LAU-0001-9PXM.pdf")
    fonts = pdfcheck.reader(latin_page).pages[0]["/Resources"]["/Font"]
    names = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert not any("CJK" in name or "Arabic" in name for name in names)


def test_manifest_rows(storage_root, make_credentials_payload) -> None:
    payload = make_credentials_payload(3)
    payload["credentials"][1]["learner_name"] = "=HYPERLINK(1)"
    render_credentials(payload, storage_root=storage_root)
    text = (storage_root / FOLDER / "manifest.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["name", "email", "code", "file"]
    assert rows[1] == [
        payload["credentials"][0]["learner_name"],
        "learner0@example.org",
        "LAU-0000-9PXM",
        "LAU-0000-9PXM.pdf",
    ]
    # A leading quote stops spreadsheets from running the cell as a formula.
    assert rows[2][0] == "'=HYPERLINK(1)"
    assert len(rows) == 4


def test_rerun_overwrites_identically(storage_root, make_credentials_payload) -> None:
    payload = make_credentials_payload(4)
    first = render_credentials(payload, storage_root=storage_root)
    (storage_root / FOLDER / ".partial-credentials.pdf.x1").write_bytes(b"killed")
    second = render_credentials(payload, storage_root=storage_root)
    assert second == first
    assert len(_files(storage_root)) == 3


def test_single_print_writes_merged_only(
    storage_root, make_credentials_payload
) -> None:
    payload = make_credentials_payload(1, outputs=["merged"])
    result = render_credentials(payload, storage_root=storage_root)
    assert [entry["kind"] for entry in result["files"]] == ["merged"]
    assert _files(storage_root) == [f"{FOLDER}/credentials.pdf"]


def test_manifest_without_zip_points_at_pages(
    storage_root, make_credentials_payload
) -> None:
    payload = make_credentials_payload(2, outputs=["merged", "manifest"])
    render_credentials(payload, storage_root=storage_root)
    rows = list(
        csv.reader(io.StringIO((storage_root / FOLDER / "manifest.csv").read_text()))
    )
    assert [row[3] for row in rows[1:]] == [
        "credentials.pdf#page=1",
        "credentials.pdf#page=2",
    ]


def test_manifest_alone_names_no_file(storage_root, make_credentials_payload) -> None:
    payload = make_credentials_payload(2, outputs=["manifest"])
    render_credentials(payload, storage_root=storage_root)
    rows = list(
        csv.reader(io.StringIO((storage_root / FOLDER / "manifest.csv").read_text()))
    )
    assert [row[3] for row in rows[1:]] == ["", ""]


def test_storage_root_from_environment(
    storage_root, make_credentials_payload, monkeypatch
) -> None:
    monkeypatch.setenv(storage.STORAGE_ENV, str(storage_root))
    render_credentials(make_credentials_payload(1, outputs=["merged"]))
    assert _files(storage_root) == [f"{FOLDER}/credentials.pdf"]


def test_missing_storage_root(make_credentials_payload, monkeypatch) -> None:
    monkeypatch.delenv(storage.STORAGE_ENV, raising=False)
    with pytest.raises(storage.StorageError, match="set LAUREL_STORAGE_PATH"):
        render_credentials(make_credentials_payload(1))


def test_progress_outside_worker_is_noop() -> None:
    tracker = progress.Progress(3)
    tracker.update(2)
    tracker.finish()
    assert (tracker.done, tracker.total) == (3, 3)


def test_failed_write_leaves_previous_file(tmp_path) -> None:
    target = tmp_path / "out.pdf"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with storage.atomic_writer(target) as handle:
            handle.write(b"half")
            raise RuntimeError("render failed")
    assert target.read_bytes() == b"previous"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.pdf"]


def test_login_sheet_spans_pages(storage_root, make_login_sheet_payload) -> None:
    payload = make_login_sheet_payload(120)
    result = render_login_sheet(payload, storage_root=storage_root)
    [entry] = result["files"]
    assert entry["kind"] == "login_sheet"
    assert entry["key"] == "print-jobs/5d1e0c9e/login-sheet.pdf"
    data = (storage_root / entry["key"]).read_bytes()
    texts = pdfcheck.page_texts(data)
    assert entry["pages"] == len(texts) > 2
    text = pdfcheck.squeeze("".join(texts))
    for row in payload["rows"]:
        assert pdfcheck.squeeze(row["email"]) in text
        assert row["password"] in text
    assert f"Page 1 of {len(texts)}" in texts[0]
    # The table header repeats on every page.
    assert "NAME EMAIL PASSWORD" in texts[-1]


def test_login_sheet_letter_size(storage_root, make_login_sheet_payload) -> None:
    payload = make_login_sheet_payload(3, layout={"page_size": "Letter"})
    result = render_login_sheet(payload, storage_root=storage_root)
    data = (storage_root / result["files"][0]["key"]).read_bytes()
    assert pdfcheck.page_size_points(data) == [(612, 792)]


def test_login_glyph_error_hides_password(
    storage_root, make_login_sheet_payload
) -> None:
    from laurel_printing.fonts import MissingGlyphsError

    payload = make_login_sheet_payload(2)
    payload["rows"][1]["password"] = "zebra\U0001f600quill"
    with pytest.raises(MissingGlyphsError) as caught:
        render_login_sheet(payload, storage_root=storage_root)
    message = str(caught.value)
    assert "rows.1.password: 1 characters (not shown)" in message
    assert "\U0001f600" not in message
    assert "zebra" not in message


def test_enqueue_options_scale_with_count() -> None:
    small = enqueue_options("render_credentials", 10)
    large = enqueue_options("render_credentials", 5000)
    assert large["job_timeout"] > small["job_timeout"] >= jobs.BASE_TIMEOUT_SECONDS
    assert isinstance(small["retry"], Retry)
    assert small["retry"].max == jobs.RETRY_MAX
    assert enqueue_options("render_login_sheet", 100)["job_timeout"] > 0
    with pytest.raises(ValueError, match="unknown job function 'render_badges'"):
        enqueue_options("render_badges", 1)
