"""Reading roster files: encodings, delimiters, quoting, blank rows, XLSX, bad files."""

from __future__ import annotations

import codecs
import datetime
import io
import zipfile

import pytest
from laurel.rosters.import_reading import RosterFileError, read_roster

from tests.rosters.conftest import csv_bytes, xlsx_bytes

HEADER = "First name,Last name,Email"


def test_utf8_with_bom() -> None:
    data = codecs.BOM_UTF8 + csv_bytes(HEADER, "Zoë,Brown,zoe@example.org")
    table = read_roster(data, "roster.csv")
    assert table.encoding == "UTF-8 with BOM"
    assert table.headers == ["First name", "Last name", "Email"]
    assert table.rows == [(2, ["Zoë", "Brown", "zoe@example.org"])]


def test_utf8_without_bom() -> None:
    table = read_roster(csv_bytes(HEADER, "Zoë,Brown,zoe@example.org"), "roster.csv")
    assert table.encoding == "UTF-8"
    assert table.rows[0][1][0] == "Zoë"


@pytest.mark.parametrize(
    ("codec", "label"),
    [("utf-16-le", "UTF-16LE with BOM"), ("utf-16-be", "UTF-16BE with BOM")],
)
def test_utf16_with_bom(codec: str, label: str) -> None:
    mark = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    text = "First name\tLast name\tEmail\r\n김민준\tKim\tminjun@example.org\r\n"
    table = read_roster(mark + text.encode(codec), "roster.txt")
    assert table.encoding == label
    assert table.delimiter == "\t"
    assert table.rows == [(2, ["김민준", "Kim", "minjun@example.org"])]


def test_semicolon_cp1252() -> None:
    data = "Vorname;Nachname;E-Mail\r\nZoë;Müller;zoe@example.org\r\n".encode("cp1252")
    table = read_roster(data, "export.csv")
    assert table.encoding == "Windows-1252"
    assert table.delimiter == ";"
    assert table.delimiter_name == "semicolon"
    assert table.rows == [(2, ["Zoë", "Müller", "zoe@example.org"])]


def test_tab_delimiter_sniffed() -> None:
    table = read_roster(
        csv_bytes("First name\tLast name\tEmail", "A\tB\ta@b.org"), "r.tsv"
    )
    assert table.delimiter == "\t"
    assert table.rows[0][1] == ["A", "B", "a@b.org"]


def test_delimiter_in_quoted_header_not_counted() -> None:
    table = read_roster(
        csv_bytes('"Last, First";Email', '"Brown, Zoë";zoe@example.org'), "r.csv"
    )
    assert table.delimiter == ";"
    assert table.headers == ["Last, First", "Email"]


def test_excel_sep_line() -> None:
    table = read_roster(
        csv_bytes("sep=;", "First name;Last name;Email", "A;B;a@b.org"), "r.csv"
    )
    assert table.delimiter == ";"
    assert table.headers == ["First name", "Last name", "Email"]


def test_quoted_commas_and_line_breaks() -> None:
    data = csv_bytes(
        "First name,Last name,Email,Notes",
        '"Mary, Jo",Smith,mary@example.org,"line one',
        'line two, still a note"',
        "Sam,Lee,sam@example.org,",
    )
    table = read_roster(data, "r.csv")
    assert table.rows[0] == (
        2,
        ["Mary, Jo", "Smith", "mary@example.org", "line one\nline two, still a note"],
    )
    assert table.rows[1][0] == 3, "a quoted line break keeps the record in one row"


def test_blank_and_delimiter_only_rows_counted() -> None:
    data = csv_bytes(HEADER, "A,B,a@b.org", "", ",,", " , ,\t", "C,D,c@d.org", "", "")
    table = read_roster(data, "r.csv")
    assert table.skipped_blank == 3
    assert [number for number, _cells in table.rows] == [2, 6]


def test_trailing_delimiter_row_counted() -> None:
    data = csv_bytes(HEADER, "A,B,a@b.org", ",,", "", "")
    table = read_roster(data, "r.csv")
    assert table.skipped_blank == 1
    assert [number for number, _cells in table.rows] == [2]


def test_crlf_and_cr_line_endings() -> None:
    for newline in ("\r\n", "\r"):
        data = newline.join([HEADER, "A,B,a@b.org", "C,D,c@d.org"]).encode()
        table = read_roster(data, "r.csv")
        assert [cells[2] for _number, cells in table.rows] == ["a@b.org", "c@d.org"]


def test_unclosed_quote_rejected() -> None:
    with pytest.raises(RosterFileError, match="not valid CSV near line"):
        read_roster(csv_bytes(HEADER, 'A,"B,a@b.org', "C,D,c@d.org"), "r.csv")


def test_values_beyond_header_warned() -> None:
    table = read_roster(csv_bytes(HEADER, "A,B,a@b.org,extra"), "r.csv")
    assert any("Rows 2" in warning for warning in table.warnings)


def test_xlsx_read_only_values() -> None:
    data = xlsx_bytes(
        [
            ["First name", "Last name", "Email", "Student id", "Born"],
            [
                "Zoë",
                "O'Brien-Walsh",
                "zoe@example.org",
                12345,
                datetime.datetime(2010, 5, 4),
            ],
            [None, None, None, None, None],
            ["محمد", "Ali", "m@example.org", 7.0, None],
        ]
    )
    table = read_roster(data, "class.xlsx")
    assert table.file_format == "XLSX"
    assert table.encoding is None
    assert table.rows == [
        (2, ["Zoë", "O'Brien-Walsh", "zoe@example.org", "12345", "2010-05-04"]),
        (4, ["محمد", "Ali", "m@example.org", "7"]),
    ]
    assert table.skipped_blank == 1


def test_xlsx_extra_sheets_warned() -> None:
    table = read_roster(
        xlsx_bytes([["Email"], ["a@b.org"]], extra_sheets=2), "class.xlsx"
    )
    assert table.warnings == [
        "The workbook has 3 worksheets; only the first, 'Class 7A', was read."
    ]


def zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "old.xls",
            "Excel 97-2003",
        ),
        (b"%PDF-1.7 whatever", "roster.pdf", "is not a CSV or XLSX file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "roster.csv", "not a text file"),
        (zip_with("word/document.xml"), "roster.xlsx", "not an Excel workbook"),
        (zip_with("xl/workbook.xml"), "roster.xlsx", "damaged or unsupported"),
        (b"PK\x03\x04 truncated", "roster.xlsx", "damaged ZIP archive"),
        (csv_bytes(HEADER), "roster.xlsx", "has an .xlsx name but is not"),
        (b"", "roster.csv", "is empty"),
        (
            b"First,Last,Email\n\x81\x8d\x8f\xc3\n",
            "roster.csv",
            "neither UTF-8, UTF-16 nor Windows-1252",
        ),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 10, "roster.csv", "control characters"),
    ],
)
def test_unreadable_files_rejected(data: bytes, filename: str, expected: str) -> None:
    with pytest.raises(RosterFileError) as raised:
        read_roster(data, filename)
    assert expected in raised.value.message
    assert "CSV" in raised.value.message or "empty" in raised.value.message
