"""Match a roster's header row to learner fields, and split full names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from laurel.rosters.import_reading import RosterFileError

# Header spellings per field, after ``header_key`` has removed case, spaces,
# underscores, hyphens and dots ("E-mail", "Given_Name", "Student ID").
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "givenname", "forename", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "full_name": ("name", "fullname", "studentname", "learnername"),
    "email": ("email", "emailaddress"),
    "external_id": ("externalid", "studentid", "studentnumber", "learnerid"),
    "groups": ("group", "groups", "class", "classes"),
    "password": ("password",),
}
FIELD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Name",
    "email": "Email",
    "external_id": "Student id",
    "groups": "Group",
    "password": "Password",
}
KEY_TO_FIELD = {
    synonym: name for name, synonyms in HEADER_SYNONYMS.items() for synonym in synonyms
}
IGNORED_IN_HEADER = re.compile(r"[\s_\-.\ufeff]+")

# Words that start a family name ("Jan van der Berg", "Ana de la Cruz"), so a
# full name is split before them rather than at its last space.
SURNAME_PARTICLES = frozenset(
    {
        "al",
        "bin",
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "des",
        "di",
        "dos",
        "du",
        "el",
        "ibn",
        "la",
        "le",
        "st",
        "ten",
        "ter",
        "van",
        "von",
    }
)


def header_key(header: str) -> str:
    return IGNORED_IN_HEADER.sub("", header).casefold()


@dataclass
class ColumnMap:
    """The column index of each learner field, and the file's own headers."""

    indexes: dict[str, int]
    headers: list[str]
    warnings: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.indexes

    def header(self, name: str) -> str:
        """Return the header as written in the file, for messages."""
        return self.headers[self.indexes[name]] or FIELD_LABELS[name]

    def value(self, name: str, cells: list[str]) -> str:
        index = self.indexes.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    @property
    def uses_full_name(self) -> bool:
        return "full_name" in self.indexes


def match_headers(headers: list[str]) -> ColumnMap:
    """Map ``headers`` to fields; raise RosterFileError if a required one is missing."""
    indexes: dict[str, int] = {}
    warnings: list[str] = []
    for index, header in enumerate(headers):
        name = KEY_TO_FIELD.get(header_key(header))
        if not header.strip():
            warnings.append(f"Column {index + 1} has no header and was ignored.")
        elif name is None:
            warnings.append(f"Unknown column {header!r} was ignored.")
        elif name in indexes:
            raise RosterFileError(
                f"Columns {headers[indexes[name]]!r} and {header!r} are both read as "
                f"{FIELD_LABELS[name]}; remove or rename one of them."
            )
        else:
            indexes[name] = index
    columns = ColumnMap(indexes, headers, warnings)
    check_required(columns)
    drop_redundant_full_name(columns)
    return columns


def check_required(columns: ColumnMap) -> None:
    missing = []
    if not columns.has("email"):
        missing.append("Email")
    has_split_names = columns.has("first_name") and columns.has("last_name")
    if not has_split_names and not columns.has("full_name"):
        missing.append("First name and Last name (or one Name column)")
    if missing:
        found = (
            ", ".join(repr(header) for header in columns.headers if header) or "none"
        )
        raise RosterFileError(
            f"The file has no {' and no '.join(missing)} column. Headers found: "
            f"{found}. Headers match ignoring case, spaces and underscores, and "
            "synonyms such as 'Given name', 'Surname' and 'E-mail' are understood."
        )


def drop_redundant_full_name(columns: ColumnMap) -> None:
    """Prefer separate first and last name columns over a full-name column."""
    if not columns.uses_full_name:
        return
    if columns.has("first_name") and columns.has("last_name"):
        header = columns.header("full_name")
        del columns.indexes["full_name"]
        columns.warnings.append(
            f"Column {header!r} was ignored because the file has first and last "
            "name columns."
        )
        return
    for name in ("first_name", "last_name"):
        if columns.has(name):
            columns.warnings.append(
                f"Column {columns.header(name)!r} was ignored because names are "
                f"read from {columns.header('full_name')!r}."
            )
            del columns.indexes[name]
    columns.warnings.append(
        f"Names in {columns.header('full_name')!r} were split into first and last "
        "name: at the comma for 'Last, First', otherwise before the last word. "
        "Check them in the preview, or use separate first and last name columns."
    )


def split_full_name(value: str) -> tuple[str, str]:
    """Split a full name into (first, last), keeping every character.

    "Last, First" splits at the first comma. Otherwise the last word is the
    family name, together with particles before it ("Jan van der Berg" gives
    "Jan" and "van der Berg"). A single word gives an empty last name.
    """
    text = value.strip()
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    gaps = list(re.finditer(r"\s+", text))
    if not gaps:
        return text, ""
    cut = len(gaps) - 1
    while (
        cut > 0
        and text[gaps[cut - 1].end() : gaps[cut].start()].casefold()
        in SURNAME_PARTICLES
    ):
        cut -= 1
    return text[: gaps[cut].start()], text[gaps[cut].end() :]
