"""The result of an import as a JSON-able summary, and the login sheet as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from laurel.rosters.import_reading import RosterFileError
from laurel.rosters.importer import ImportOutcome, ImportPlan, LoginSheetEntry

LOGIN_SHEET_HEADER = ("Last name", "First name", "Email (login)", "Password", "Groups")
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def summary(outcome: ImportOutcome, *, dry_run: bool = False) -> dict[str, Any]:
    """Return the import's result in the shape ``laurel users import --json`` prints.

    When ``committed`` is false, the counts are those the file would produce.
    """
    plan = outcome.plan
    counts = plan.counts
    return {
        "created": outcome.created if outcome.committed else counts["create"],
        "updated": outcome.updated if outcome.committed else counts["update"],
        "unchanged": outcome.unchanged if outcome.committed else counts["unchanged"],
        "skipped_blank": counts["skipped_blank"],
        "errors": [error.as_dict() for error in plan.errors],
        "committed": outcome.committed,
        "rejected": outcome.rejected,
        "dry_run": dry_run,
        "mode": plan.mode,
        "format": plan.table.file_format,
        "encoding": plan.table.encoding,
        "delimiter": plan.table.delimiter,
        "warnings": plan.warnings,
        "groups_created": sorted(plan.new_groups.values()) if outcome.committed else [],
        "passwords_generated": len(outcome.login_sheet),
    }


def file_error_summary(
    error: RosterFileError, mode: str, dry_run: bool
) -> dict[str, Any]:
    """Return the summary for a file rejected as a whole, such as a missing column."""
    return {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped_blank": 0,
        "errors": [{"row": 1, "column": "", "value": "", "message": error.message}],
        "committed": False,
        "rejected": 0,
        "dry_run": dry_run,
        "mode": mode,
        "warnings": [],
    }


def plan_counts_line(plan: ImportPlan) -> str:
    counts = plan.counts
    return (
        f"{counts['create']} to create, {counts['update']} to update, "
        f"{counts['unchanged']} unchanged, {counts['error']} with errors, "
        f"{counts['skipped_blank']} blank rows skipped"
    )


def safe_cell(value: str) -> str:
    """Quote a value that a spreadsheet would otherwise run as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def login_sheet_csv(entries: list[LoginSheetEntry]) -> str:
    """Return the login sheet as CSV text, to be written as UTF-8 with a BOM.

    The BOM makes Excel read names such as Zoë and 김민준 correctly.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(LOGIN_SHEET_HEADER)
    for entry in entries:
        writer.writerow(
            safe_cell(value)
            for value in (
                entry.last_name,
                entry.first_name,
                entry.email,
                entry.password,
                entry.groups,
            )
        )
    return buffer.getvalue()
