"""One roster row: its values, and the checks that need only the row itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from laurel.identity import passwords
from laurel.identity.emails import email_problem, normalise_email
from laurel.rosters.import_columns import ColumnMap, split_full_name

NAME_MAX = 100
EXTERNAL_ID_MAX = 64
GROUP_NAME_MAX = 100
VALUE_SHOWN_MAX = 120
# Several groups in one cell are separated by semicolons: "7A; Choir".
GROUP_SEPARATOR = ";"
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as written in the file
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class RosterRow:
    """A data row, what the import does with it, and why."""

    number: int
    first_name: str
    last_name: str
    email: str  # normalised: trimmed and case-folded
    external_id: str | None
    groups: list[str]
    password: str | None  # from the file; None means one is generated
    status: str = CREATE
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_id: int | None = None  # the existing account, for update and unchanged
    missing_group_keys: list[str] = field(default_factory=list)

    def reject(self, column: str, value: str, message: str) -> None:
        self.status = ERROR
        self.errors.append(RowError(self.number, column, shown(value), message))

    @property
    def ok(self) -> bool:
        return self.status != ERROR


def shown(value: str) -> str:
    """Return a cell value short enough to repeat in a message."""
    if len(value) <= VALUE_SHOWN_MAX:
        return value
    return value[:VALUE_SHOWN_MAX] + "…"


def parse_row(
    number: int, cells: list[str], columns: ColumnMap, password_min_length: int
) -> RosterRow:
    """Read a data row's values and check each one on its own."""
    row = RosterRow(
        number=number,
        first_name="",
        last_name="",
        email=normalise_email(columns.value("email", cells)),
        external_id=columns.value("external_id", cells).strip() or None,
        groups=[],
        password=columns.value("password", cells).strip() or None,
    )
    read_names(row, cells, columns)
    check_email(row, columns.value("email", cells), columns)
    check_external_id(row, columns)
    read_groups(row, columns.value("groups", cells), columns)
    check_password(row, columns, password_min_length)
    return row


def read_names(row: RosterRow, cells: list[str], columns: ColumnMap) -> None:
    if columns.uses_full_name:
        raw = columns.value("full_name", cells)
        row.first_name, row.last_name = split_full_name(raw)
        header = columns.header("full_name")
        if raw.strip() and not (row.first_name and row.last_name):
            row.reject(
                header,
                raw,
                "A first and a last name are needed; write the name as "
                "'Last, First' or use separate first and last name columns.",
            )
            return
        check_name(row, header, raw, row.first_name or row.last_name, "Name")
        return
    row.first_name = columns.value("first_name", cells).strip()
    row.last_name = columns.value("last_name", cells).strip()
    check_name(
        row, columns.header("first_name"), row.first_name, row.first_name, "First name"
    )
    check_name(
        row, columns.header("last_name"), row.last_name, row.last_name, "Last name"
    )


def check_name(row: RosterRow, column: str, raw: str, name: str, label: str) -> None:
    if not name:
        row.reject(column, raw, f"{label} is missing.")
    elif len(name) > NAME_MAX:
        row.reject(column, raw, f"{label} is longer than {NAME_MAX} characters.")
    elif LINE_BREAKS.search(name):
        row.reject(column, raw, f"{label} contains a line break; remove it.")
    elif CONTROL_CHARACTERS.search(name):
        row.reject(column, raw, f"{label} contains a control character; remove it.")


def check_email(row: RosterRow, raw: str, columns: ColumnMap) -> None:
    problem = email_problem(raw)
    if problem:
        row.reject(columns.header("email"), raw, problem)


def check_external_id(row: RosterRow, columns: ColumnMap) -> None:
    value = row.external_id
    if value is None:
        return
    if len(value) > EXTERNAL_ID_MAX:
        row.reject(
            columns.header("external_id"),
            value,
            f"Student id is longer than {EXTERNAL_ID_MAX} characters.",
        )
    elif CONTROL_CHARACTERS.search(value):
        row.reject(
            columns.header("external_id"),
            value,
            "Student id contains a line break or control character; remove it.",
        )


def read_groups(row: RosterRow, raw: str, columns: ColumnMap) -> None:
    """Split a group cell on semicolons, dropping empty and repeated names."""
    seen: set[str] = set()
    for part in raw.split(GROUP_SEPARATOR):
        name = part.strip()
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        if len(name) > GROUP_NAME_MAX:
            row.reject(
                columns.header("groups"),
                name,
                f"Group name is longer than {GROUP_NAME_MAX} characters.",
            )
        elif CONTROL_CHARACTERS.search(name):
            row.reject(
                columns.header("groups"),
                name,
                "Group name contains a line break or control character; remove it.",
            )
        else:
            row.groups.append(name)


def check_password(row: RosterRow, columns: ColumnMap, min_length: int) -> None:
    if row.password is None:
        return
    problem = passwords.password_problem(row.password, min_length)
    if problem:
        # The value is never repeated: the file's passwords are secrets.
        row.reject(columns.header("password"), "", problem)
