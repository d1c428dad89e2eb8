"""``laurel demo``: the whole journey on the embedded defaults."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

LAUREL = Path(sys.executable).with_name("laurel")


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("demo") / "out"
    environment = {
        **os.environ,
        "LAUREL_INSTANCE_PATH": str(out.parent / "default-instance"),
    }
    environment.pop("LAUREL_REDIS_URL", None)
    environment.pop("LAUREL_DATABASE_URL", None)
    result = subprocess.run(
        [str(LAUREL), "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def test_demo_writes_reports(demo_run) -> None:
    out, result = demo_run
    assert (out / "import-report.csv").is_file()
    assert (out / "progress.csv").is_file()
    assert "37 created, 3 rows rejected" in result.stdout
    assert "190 short" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["credentials"]) == 2


def test_demo_progress_export_has_class(demo_run) -> None:
    out, _result = demo_run
    with (out / "progress.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    names = {(row[1], row[0]) for row in rows[1:]}
    assert len(rows) == 21
    assert ("Thị Hoa", "Nguyễn") in names
    assert ("민준", "김") in names


def test_demo_pdfs_hold_learner_names(demo_run) -> None:
    out, _result = demo_run
    credentials = out / "credentials"
    with (credentials / "manifest.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        manifest = list(csv.DictReader(handle))
    assert len(manifest) == 2
    merged = pdf_text(credentials / "credentials.pdf")
    for entry in manifest:
        single = credentials / "per-learner" / Path(entry["file"]).name
        text = pdf_text(single)
        assert entry["name"] in text, f"{entry['name']!r} missing from {single.name}"
        assert entry["code"] in text
        assert entry["name"] in merged
