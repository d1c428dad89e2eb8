"""Read a roster file into rows of text cells: CSV in several encodings, or XLSX.

Row numbers count the header as row 1, the way a spreadsheet numbers rows, so a
quoted cell with line breaks still occupies one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from xml.etree.ElementTree import ParseError

log = logging.getLogger(__name__)

# Limits that keep one upload from tying up a web process.
MAX_DATA_ROWS = 100_000
MAX_COLUMNS = 200
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024
# Spreadsheets often carry thousands of formatted but empty rows after the data.
# Reading an XLSX sheet stops after this many consecutive blank rows.
XLSX_BLANK_RUN_LIMIT = 10_000

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx"})
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Checked in this order; UTF-16 without a byte order mark is not detected.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16BE with BOM"),
)
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SAVE_AS_HINT = "Save the class list as CSV UTF-8 or as an Excel .xlsx workbook."


class RosterFileError(ValueError):
    """A file that cannot be read as a roster at all, with the reason in ``message``."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class RosterTable:
    """The cells of a roster file, before any column is interpreted."""

    headers: list[str]
    # (row number, cells) for every non-blank row after the header.
    rows: list[tuple[int, list[str]]]
    skipped_blank: int
    file_format: str  # "CSV" or "XLSX"
    encoding: str | None = None  # such as "UTF-8 with BOM"; None for XLSX
    delimiter: str | None = None  # ",", ";" or "\t"; None for XLSX
    warnings: list[str] = field(default_factory=list)

    @property
    def delimiter_name(self) -> str | None:
        return DELIMITER_NAMES.get(self.delimiter or "")


def read_roster(data: bytes, filename: str) -> RosterTable:
    """Read ``data``, uploaded under ``filename``, as a CSV or XLSX roster.

    Raises RosterFileError for a file of another kind, an empty file, an
    unknown text encoding or a damaged workbook.
    """
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(OLE_SIGNATURE):
        raise RosterFileError(
            f"{filename!r} is an Excel 97-2003 workbook (.xls), which cannot be "
            f"read. {SAVE_AS_HINT}"
        )
    if suffix not in CSV_SUFFIXES | XLSX_SUFFIXES:
        raise RosterFileError(f"{filename!r} is not a CSV or XLSX file. {SAVE_AS_HINT}")
    if not data.strip():
        raise RosterFileError(f"{filename!r} is empty.")
    if data.startswith(ZIP_SIGNATURE):
        return read_xlsx(data, filename)
    if suffix in XLSX_SUFFIXES:
        raise RosterFileError(
            f"{filename!r} has an .xlsx name but is not an Excel workbook. "
            f"{SAVE_AS_HINT}"
        )
    return read_csv(data, filename)


# CSV


def read_csv(data: bytes, filename: str) -> RosterTable:
    text, encoding = decode_text(data, filename)
    text = text.removeprefix("\ufeff")
    delimiter, text = explicit_separator(text)
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        table = collect_rows(reader, "CSV", blank_run_limit=None)
    except csv.Error as error:
        raise RosterFileError(
            f"{filename!r} is not valid CSV near line {reader.line_num}: {error}. "
            "Check for a quotation mark that is opened but never closed."
        ) from None
    table.encoding = encoding
    table.delimiter = delimiter
    return table


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode CSV bytes; return the text and a label for the encoding found."""
    for mark, codec, label in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as error:
                raise RosterFileError(
                    f"{filename!r} starts with a {label} marker, but byte "
                    f"{error.start} is not valid in that encoding. {SAVE_AS_HINT}"
                ) from None
    if b"\x00" in data:
        raise RosterFileError(
            f"{filename!r} is not a text file (it contains NUL bytes). {SAVE_AS_HINT}"
        )
    try:
        return check_is_text(data.decode("utf-8"), filename), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return check_is_text(data.decode("cp1252"), filename), "Windows-1252"
    except UnicodeDecodeError as error:
        raise RosterFileError(
            f"{filename!r} is neither UTF-8, UTF-16 nor Windows-1252 text "
            f"(byte {error.start} is invalid). {SAVE_AS_HINT}"
        ) from None


def check_is_text(text: str, filename: str) -> str:
    """Reject binary files whose bytes happen to decode, such as a PDF."""
    sample = text[:8192]
    if len(CONTROL_CHARACTERS.findall(sample)) > max(2, len(sample) // 100):
        raise RosterFileError(
            f"{filename!r} is not a text file (it contains control characters). "
            f"{SAVE_AS_HINT}"
        )
    return text


def explicit_separator(text: str) -> tuple[str | None, str]:
    """Honour a first line such as ``sep=;``, which Excel writes and reads."""
    first_line, newline, rest = text.partition("\n")
    match = re.fullmatch(r"sep=(.)\r?", first_line)
    if match and match.group(1) in DELIMITERS:
        return match.group(1), rest
    return None, text


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that occurs most often in the header line.

    Quoted parts of the line are not counted; a tie or a line without any
    candidate gives a comma.
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_nonblank_line(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def first_nonblank_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip(" ,;\t"):
            return line
    return ""


# XLSX


def read_xlsx(data: bytes, filename: str) -> RosterTable:
    check_xlsx_archive(data, filename)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        ParseError,
    ) as error:
        log.info("unreadable workbook %r: %s", filename, error)
        raise RosterFileError(
            f"{filename!r} is a damaged or unsupported Excel workbook. {SAVE_AS_HINT}"
        ) from None
    try:
        return read_first_sheet(workbook, filename)
    finally:
        workbook.close()


def check_xlsx_archive(data: bytes, filename: str) -> None:
    """Reject ZIP files that are no workbook, and ZIP bombs, before parsing."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise RosterFileError(
            f"{filename!r} is a damaged ZIP archive, not a readable workbook. "
            f"{SAVE_AS_HINT}"
        ) from None
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise RosterFileError(
            f"{filename!r} is a ZIP archive but not an Excel workbook (a Word or "
            f"OpenDocument file, perhaps). {SAVE_AS_HINT}"
        )
    if sum(entry.file_size for entry in entries) > MAX_XLSX_UNCOMPRESSED:
        raise RosterFileError(
            f"{filename!r} expands to more than "
            f"{MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB; split the class list "
            "into smaller files."
        )


def read_first_sheet(workbook: object, filename: str) -> RosterTable:
    sheets = workbook.worksheets  # type: ignore[attr-defined]
    if not sheets:
        raise RosterFileError(f"{filename!r} has no worksheet.")
    sheet = sheets[0]
    rows = (
        [cell_text(value) for value in values]
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    )
    try:
        table = collect_rows(rows, "XLSX", blank_run_limit=XLSX_BLANK_RUN_LIMIT)
    except (ValueError, KeyError, ParseError) as error:
        log.info("unreadable worksheet in %r: %s", filename, error)
        raise RosterFileError(
            f"The first worksheet of {filename!r} cannot be read. {SAVE_AS_HINT}"
        ) from None
    if len(sheets) > 1:
        table.warnings.append(
            f"The workbook has {len(sheets)} worksheets; only the first, "
            f"{sheet.title!r}, was read."
        )
    return table


def cell_text(value: object) -> str:
    """Return a cell's value as the text that the spreadsheet displays."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# Both formats


def collect_rows(
    rows: Iterable[list[str]], file_format: str, blank_run_limit: int | None
) -> RosterTable:
    """Split rows into the header and the data rows, counting blank rows.

    The header is the first non-blank row. After the last data row, only CSV
    rows made of delimiters (",,,") are counted: trailing empty lines and the
    formatted empty rows a spreadsheet keeps are not rows anyone typed.
    """
    headers: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    skipped = pending_blank = pending_delimited = 0
    for number, cells in enumerate(rows, start=1):
        if is_blank(cells):
            pending_blank += 1
            pending_delimited += len(cells) > 1
            if blank_run_limit is not None and pending_blank >= blank_run_limit:
                break
            continue
        cells = without_trailing_empty(cells[:MAX_COLUMNS])
        if headers is None:
            headers = [cell.strip() for cell in cells]
        else:
            data.append((number, cells))
            skipped += pending_blank
            check_row_limit(len(data))
        pending_blank = pending_delimited = 0
    if headers is None:
        raise RosterFileError("The file has no rows; a header row is required.")
    if data and file_format == "CSV":
        skipped += pending_delimited
    table = RosterTable(headers, data, skipped, file_format)
    table.warnings.extend(overlong_row_warnings(len(headers), data))
    return table


def without_trailing_empty(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def check_row_limit(count: int) -> None:
    if count > MAX_DATA_ROWS:
        raise RosterFileError(
            f"The file has more than {MAX_DATA_ROWS:,} learner rows; split it into "
            "smaller files."
        )


def overlong_row_warnings(
    width: int, data: list[tuple[int, list[str]]]
) -> Iterator[str]:
    """Warn about rows with values beyond the last headed column."""
    numbers = [
        number for number, cells in data if any(cell.strip() for cell in cells[width:])
    ]
    if numbers:
        shown = ", ".join(str(number) for number in numbers[:10])
        more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
        yield (
            f"Rows {shown}{more} have values to the right of the last column with "
            "a header; those values were ignored."
        )
