"""Tables as CSV and XLSX downloads, safe to open in a spreadsheet.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some programs, a tab or carriage return) as a formula, so
such cells get a leading single quote. Whole numbers stay numbers: their
text is digits with at most a leading minus, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | None


def safe_cell(value: Cell) -> Cell:
    """Return ``value`` ready for a spreadsheet: text starting a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """Write UTF-8 CSV with a byte-order mark, so Excel detects the encoding."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(
    title: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> bytes:
    """Write one worksheet with openpyxl's write-only mode, which streams rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    # openpyxl stores a str starting with "=" as a formula; safe_cell quotes
    # those, so every str reaches the file as a plain string cell.
    sheet.append([safe_cell(name) for name in header])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
