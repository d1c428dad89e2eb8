"""CSV and XLSX exports of the matrix and of a learner report.

Both formats pass every cell through ``guard_cell``. A value that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
single quote, so a spreadsheet shows it as text instead of running it as a
formula. CSV is UTF-8 with a byte order mark, which Excel needs to read
accents, and streams as it is written. XLSX comes from openpyxl's write-only
mode into an unnamed temporary file, which the response then streams.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import IO
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from laurel.reports.learner_report import (
    LearnerReport,
    attempt_result,
    format_time,
)
from laurel.reports.services import Column, MatrixRow

log = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_FLUSH_BYTES = 64 * 1024
FILE_CHUNK_BYTES = 64 * 1024
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Rows = Iterable[Sequence[object]]


def guard_cell(value: object) -> str:
    """Return a cell's text, quoted so that no spreadsheet runs it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_chunks(header: Sequence[str], rows: Rows) -> Iterator[bytes]:
    """Yield a CSV file in pieces of about ``CSV_FLUSH_BYTES``, BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([guard_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([guard_cell(cell) for cell in row])
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_cell(value: object) -> str:
    """Return a cell's text for XLSX: guarded, with line breaks as ``\n``.

    XML parsers read a raw carriage return as a line feed, so writing one
    as ``\n`` keeps the file's text the same as what spreadsheets show.
    openpyxl rejects the control characters that XML 1.0 forbids, so those
    are dropped.
    """
    text = guard_cell(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def write_xlsx(
    target: IO[bytes], title: str, header: Sequence[str], rows: Rows
) -> None:
    """Write one sheet of text cells into ``target`` with bounded memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([xlsx_cell(cell) for cell in header])
    for row in rows:
        sheet.append([xlsx_cell(cell) for cell in row])
    workbook.save(target)


def sheet_title(title: str) -> str:
    """Make a valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Report"
    return cleaned[:31]


def content_disposition(filename: str) -> str:
    """Return an attachment header with an ASCII name and an RFC 5987 UTF-8 name."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    ascii_name = ascii_part(stem) or "export"
    if extension:
        ascii_name += "." + (ascii_part(extension) or "bin")
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def ascii_part(text: str) -> str:
    """Transliterate what NFKD can (é to e), then replace other runs with ``_``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "_", plain).strip("_")


def safe_filename(*parts: str) -> str:
    """Join name parts with hyphens, dropping characters unsafe in a file name."""
    cleaned = [
        re.sub(r'[\x00-\x1f\x7f"\\/:*?<>|]+', "", part).strip() for part in parts
    ]
    joined = "-".join(part for part in cleaned if part)
    return re.sub(r"\s+", "_", joined)[:150] or "export"


def csv_response(filename: str, header: Sequence[str], rows: Rows) -> Response:
    response = Response(csv_chunks(header, rows), mimetype=CSV_MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(filename + ".csv")
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_response(
    filename: str, title: str, header: Sequence[str], rows: Rows
) -> Response:
    """Build the workbook in a temporary file, then stream it from disk.

    ``TemporaryFile`` has no name on POSIX systems, so the file disappears
    once closed: at the end of the body, or when the server closes the
    response after an interrupted download.
    """
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(handle, title, header, rows)
        size = handle.tell()
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = Response(file_chunks(handle), mimetype=XLSX_MIMETYPE)
    response.call_on_close(handle.close)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(filename + ".xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


def file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(FILE_CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()


def export_response(
    fmt: str, filename: str, title: str, header: Sequence[str], rows: Rows
) -> Response:
    if fmt == "xlsx":
        return xlsx_response(filename, title, header, rows)
    return csv_response(filename, header, rows)


# What the exports contain


MATRIX_LEADING_COLUMNS = (
    "Last name",
    "First name",
    "Email",
    "Student id",
    "Groups",
    "Status",
    "Areas passed",
    "Credential",
)


def matrix_header(columns: Sequence[Column]) -> list[str]:
    return [*MATRIX_LEADING_COLUMNS, *(column.title for column in columns)]


def matrix_rows(rows: Iterable[MatrixRow], area_count: int) -> Iterator[list[str]]:
    for row in rows:
        yield [
            row.last_name,
            row.first_name,
            row.email,
            row.external_id or "",
            ", ".join(row.groups),
            "active" if row.active else "deactivated",
            f"{row.areas_passed} of {area_count}",
            row.credential_text,
            *(cell.text for cell in row.cells),
        ]


LEARNER_REPORT_HEADER = (
    "Suite",
    "Credential",
    "Area",
    "Unit",
    "Kind",
    "Unit status",
    "Attempts used",
    "Attempts allowed",
    "Best score",
    "Reassigned by",
    "Reassigned at (UTC)",
    "Attempt",
    "Started (UTC)",
    "Submitted (UTC)",
    "Score",
    "Result",
)


def learner_report_rows(report: LearnerReport) -> Iterator[list[str]]:
    """Yield one row per attempt, and one for each unit without attempts."""
    for suite in report.suites:
        for line in suite.units:
            row = line.row
            unit = [
                suite.title,
                suite.credential_status,
                line.area_title,
                line.title,
                line.kind,
                line.cell.state.replace("_", " "),
                str(row.attempts_used) if row else "",
                str(row.attempts_allowed) if row else "",
                "" if row is None or row.best_score is None else str(row.best_score),
                line.reassigned_by,
                format_time(row.reassigned_at) if row else "",
            ]
            if not line.attempts:
                yield [*unit, "", "", "", "", ""]
            for attempt in line.attempts:
                score = "" if attempt.score is None else str(attempt.score)
                yield [
                    *unit,
                    str(attempt.number),
                    format_time(attempt.started_at),
                    format_time(attempt.submitted_at),
                    score,
                    attempt_result(attempt),
                ]
