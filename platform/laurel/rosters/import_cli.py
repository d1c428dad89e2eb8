"""``laurel users import``: import a class list from the command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from laurel.extensions import db
from laurel.rosters import importer
from laurel.rosters.import_report import (
    file_error_summary,
    login_sheet_csv,
    plan_counts_line,
    summary,
)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--mode",
    type=click.Choice(importer.MODES),
    default=importer.ADD,
    show_default=True,
    help="add: leave existing learners unchanged. update: also update their "
    "names, student ids and groups.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and write nothing.")
@click.option(
    "--valid-only",
    is_flag=True,
    help="Import the rows without errors even when other rows have errors "
    "(by default one bad row means nothing is imported).",
)
@click.option(
    "--login-sheet",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the generated passwords of new learners to this CSV file.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result as one JSON object."
)
@with_appcontext
def users_import(
    file: Path,
    org_slug: str,
    mode: str,
    dry_run: bool,
    valid_only: bool,
    login_sheet: Path | None,
    as_json: bool,
) -> None:
    """Import learners from FILE, a CSV or XLSX class list with a header row.

    Required columns: Email, and First name and Last name (or one Name
    column). Optional: Student id, Group (several separated by ";") and
    Password (generated when empty). Exit status 0 when the import was
    committed or a dry run found no errors, 1 when any row has an error
    (also with --valid-only) or the file cannot be read.
    """
    from laurel.cli import echo_json, organisation_or_fail

    org = organisation_or_fail(org_slug)
    try:
        plan = importer.read_and_plan(file.read_bytes(), file.name, org.id, mode)
    except importer.RosterFileError as error:
        report_file_error(error, mode, dry_run, as_json)
        sys.exit(1)
    if dry_run:
        outcome = importer.ImportOutcome(plan, committed=False)
    else:
        outcome = commit_with_progress(plan, valid_only, f"file {file.name}")
        save_login_sheet(outcome, login_sheet)
    result = summary(outcome, dry_run=dry_run)
    result["login_sheet"] = (
        str(login_sheet) if login_sheet and outcome.login_sheet else None
    )
    if as_json:
        echo_json(result)
    else:
        print_text_report(plan, outcome, result)
    sys.exit(1 if outcome.rejected else 0)


def commit_with_progress(
    plan: importer.ImportPlan, valid_only: bool, reference: str
) -> importer.ImportOutcome:
    total = plan.count("create")
    if total == 0 or (plan.count("error") and not valid_only):
        outcome = importer.commit_import(
            plan, valid_only=valid_only, actor_id=None, reference=reference
        )
    else:
        with click.progressbar(
            length=total, label="Hashing passwords", file=sys.stderr
        ) as bar:

            def advance(done: int, _total: int) -> None:
                bar.update(done - bar.pos)

            outcome = importer.commit_import(
                plan,
                valid_only=valid_only,
                actor_id=None,
                reference=reference,
                progress=advance,
            )
    if outcome.committed:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


def save_login_sheet(outcome: importer.ImportOutcome, path: Path | None) -> None:
    if not outcome.login_sheet:
        return
    if path is None:
        click.echo(
            f"Warning: {len(outcome.login_sheet)} passwords were generated and not "
            "saved; pass --login-sheet FILE to keep them, or reset them with "
            "`laurel user set-password`.",
            err=True,
        )
        return
    # Readable by the owner only from the start: the sheet contains passwords.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(login_sheet_csv(outcome.login_sheet))


def report_file_error(
    error: importer.RosterFileError, mode: str, dry_run: bool, as_json: bool
) -> None:
    from laurel.cli import echo_json

    if as_json:
        echo_json(file_error_summary(error, mode, dry_run))
    else:
        click.echo(f"Error: {error.message}", err=True)


def print_text_report(
    plan: importer.ImportPlan, outcome: importer.ImportOutcome, result: dict[str, Any]
) -> None:
    table = plan.table
    source = f"Read {table.file_format}"
    if table.encoding:
        source += f", {table.encoding}, {table.delimiter_name}-separated"
    click.echo(f"{source}: {plan_counts_line(plan)}.")
    for warning in plan.warnings:
        click.echo(f"Warning: {warning}")
    for error in plan.errors:
        click.echo(f"Row {error.row}, {error.column}: {error.message}")
    if outcome.committed:
        click.echo(
            f"Imported: {result['created']} created, {result['updated']} updated, "
            f"{result['unchanged']} unchanged."
        )
    elif result["dry_run"]:
        click.echo("Dry run: nothing was written.")
    else:
        click.echo(
            "Nothing was imported because rows have errors. Fix them, or pass "
            "--valid-only to import the other rows."
        )
