"""Header matching and the splitting of full names."""

from __future__ import annotations

import pytest
from laurel.rosters.import_columns import match_headers, split_full_name
from laurel.rosters.import_reading import RosterFileError


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("First name", "first_name"),
        ("first_name", "first_name"),
        ("FIRSTNAME", "first_name"),
        (" Given Name ", "first_name"),
        ("Last name", "last_name"),
        ("Surname", "last_name"),
        ("family_name", "last_name"),
        ("Email", "email"),
        ("E-mail", "email"),
        ("E_Mail", "email"),
        ("Email address", "email"),
        ("Student ID", "external_id"),
        ("external_id", "external_id"),
        ("Group", "groups"),
        ("Class", "groups"),
        ("Password", "password"),
    ],
)
def test_header_variants_match(header: str, field: str) -> None:
    others = [
        h for h in ("Given name", "Surname", "Email") if h.strip() != header.strip()
    ]
    headers = (
        [header, *others] if field not in ("first_name", "last_name", "email") else None
    )
    if headers is None:
        base = {"first_name": "Given name", "last_name": "Surname", "email": "Email"}
        base[field] = header
        headers = list(base.values())
    columns = match_headers(headers)
    assert columns.indexes[field] == headers.index(header)
    assert not columns.warnings


def test_missing_email_lists_headers() -> None:
    with pytest.raises(RosterFileError) as raised:
        match_headers(["Vorname", "Nachname", "Courriel"])
    message = raised.value.message
    assert "no Email" in message
    assert "'Vorname', 'Nachname', 'Courriel'" in message


def test_missing_names_rejected() -> None:
    with pytest.raises(RosterFileError, match="no First name and Last name"):
        match_headers(["First name", "Email"])


def test_unknown_columns_warned() -> None:
    columns = match_headers(["First name", "Last name", "Email", "Date of birth", ""])
    assert columns.warnings == [
        "Unknown column 'Date of birth' was ignored.",
        "Column 5 has no header and was ignored.",
    ]


def test_duplicate_field_rejected() -> None:
    with pytest.raises(
        RosterFileError, match="'Email' and 'E-mail' are both read as Email"
    ):
        match_headers(["First name", "Last name", "Email", "E-mail"])


def test_full_name_column_accepted() -> None:
    columns = match_headers(["Full name", "Email"])
    assert columns.uses_full_name
    assert any("were split into first and last name" in w for w in columns.warnings)


def test_full_name_ignored_beside_split_names() -> None:
    columns = match_headers(["Name", "First name", "Last name", "Email"])
    assert not columns.uses_full_name
    assert "Column 'Name' was ignored" in columns.warnings[0]


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ("O'Brien-Walsh, Siobhán", ("Siobhán", "O'Brien-Walsh")),
        ("Zoë Brown", ("Zoë", "Brown")),
        ("Mary Ann  Smith", ("Mary Ann", "Smith")),
        ("Jan van der Berg", ("Jan", "van der Berg")),
        ("Ana de la Cruz", ("Ana", "de la Cruz")),
        ("Al Smith", ("Al", "Smith")),
        ("محمد علي", ("محمد", "علي")),
        ("Nguyễn, Văn An", ("Văn An", "Nguyễn")),
        ("김민준", ("김민준", "")),
    ],
)
def test_split_full_name(full: str, expected: tuple[str, str]) -> None:
    assert split_full_name(full) == expected
