"""Roster import: plan what a class list does to an organisation, then apply it.

``plan_import`` only reads the database, and gives every data row a status:
create, update, unchanged or error. ``commit_import`` hashes the new
accounts' passwords over several processes and writes the plan with a fixed
number of statements per 1,000 rows. The caller commits the session.

Modes: "add" creates new learners and leaves existing ones unchanged.
"update" also updates existing learners' names, student ids and groups. An
import does not change an existing account's password, does not remove a
learner from a group and does not reactivate a deactivated learner.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from laurel import audit
from laurel.extensions import db
from laurel.identity import passwords
from laurel.identity.models import Role, User
from laurel.rosters.import_columns import ColumnMap, match_headers
from laurel.rosters.import_hashing import Progress, hash_passwords
from laurel.rosters.import_reading import RosterFileError, RosterTable, read_roster
from laurel.rosters.import_rows import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    RosterRow,
    RowError,
    parse_row,
)
from laurel.rosters.import_writing import BATCH_SIZE, chunks, write_plan
from laurel.rosters.models import Group, GroupMember

log = logging.getLogger(__name__)

ADD = "add"
MODES = (ADD, UPDATE)
# Shown for an email that belongs to another organisation or a platform
# admin. It reveals nothing about that account, not even which case applies.
UNUSABLE_EMAIL = "This email cannot be used. Use another email address."

__all__ = [
    "ImportOutcome",
    "ImportPlan",
    "LoginSheetEntry",
    "MODES",
    "RosterFileError",
    "commit_import",
    "plan_import",
    "read_roster",
]


@dataclass
class ImportPlan:
    """The planned result of importing a file, row by row."""

    org_id: int
    mode: str
    table: RosterTable
    columns: ColumnMap
    rows: list[RosterRow]
    # Existing groups by case-folded name, and names of groups to create.
    group_ids: dict[str, int] = field(default_factory=dict)
    new_groups: dict[str, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "create": self.count(CREATE),
            "update": self.count(UPDATE),
            "unchanged": self.count(UNCHANGED),
            "error": self.count(ERROR),
            "skipped_blank": self.table.skipped_blank,
        }

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def warnings(self) -> list[str]:
        return [*self.table.warnings, *self.columns.warnings]

    def rows_with(self, status: str) -> list[RosterRow]:
        return [row for row in self.rows if row.status == status]


@dataclass(frozen=True)
class LoginSheetEntry:
    last_name: str
    first_name: str
    email: str
    password: str
    groups: str


@dataclass
class ImportOutcome:
    plan: ImportPlan
    committed: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Passwords generated for new accounts, to hand out once.
    login_sheet: list[LoginSheetEntry] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.plan.count(ERROR)


# Planning


def plan_import(table: RosterTable, org_id: int, mode: str = ADD) -> ImportPlan:
    """Decide each row's result for organisation ``org_id``.

    Raises RosterFileError when a required column is missing, and ValueError
    for an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}; use one of {MODES}")
    columns = match_headers(table.headers)
    min_length = current_app.config["LAUREL_PASSWORD_MIN_LENGTH"]
    rows = [
        parse_row(number, cells, columns, min_length) for number, cells in table.rows
    ]
    plan = ImportPlan(org_id, mode, table, columns, rows)
    reject_duplicates(plan, "email", lambda row: row.email)
    reject_duplicates(plan, "external_id", lambda row: row.external_id)
    classify_rows(plan)
    collect_new_groups(plan)
    return plan


def reject_duplicates(plan: ImportPlan, name: str, key: Any) -> None:
    """Mark every row that shares a value of column ``name`` with another row.

    Emails are compared in their normalised form; student ids exactly, as the
    database compares them.
    """
    if not plan.columns.has(name):
        return
    by_value: dict[str, list[RosterRow]] = {}
    for row in plan.rows:
        value = key(row)
        if value and not any(
            error.column == plan.columns.header(name) for error in row.errors
        ):
            by_value.setdefault(value, []).append(row)
    label = "email" if name == "email" else "student id"
    for group in by_value.values():
        if len(group) < 2:
            continue
        for row in group:
            others = [other.number for other in group if other is not row]
            verb = "has" if len(others) == 1 else "have"
            row.reject(
                plan.columns.header(name),
                key(row),
                f"Duplicate {label}: {row_list(others)} {verb} it too. Keep one row "
                "per learner.",
            )


def row_list(numbers: list[int]) -> str:
    """Return "row 4", "rows 4 and 9" or "rows 2, 4 and 9"."""
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    head = ", ".join(str(number) for number in numbers[:-1])
    return f"rows {head} and {numbers[-1]}"


def classify_rows(plan: ImportPlan) -> None:
    candidates = [row for row in plan.rows if row.ok]
    accounts = accounts_by_email(row.email for row in candidates)
    plan.group_ids, archived = load_groups(plan.org_id)
    memberships = memberships_of(
        account.id for account in accounts.values() if account.org_id == plan.org_id
    )
    for row in candidates:
        account = accounts.get(row.email)
        if account is None:
            row.status = CREATE
        else:
            classify_existing(plan, row, account, memberships.get(account.id, set()))
        if row.ok and row.status != UNCHANGED:
            reject_archived_groups(plan, row, archived)
    reject_taken_external_ids(plan)


def classify_existing(
    plan: ImportPlan, row: RosterRow, account: Any, group_ids: set[int]
) -> None:
    email_header = plan.columns.header("email")
    if account.org_id != plan.org_id:
        row.reject(email_header, row.email, UNUSABLE_EMAIL)
        return
    if account.role is not Role.LEARNER:
        row.reject(
            email_header,
            row.email,
            f"This email belongs to a {account.role.label} of this organisation; a "
            "class list only adds and updates learners.",
        )
        return
    row.user_id = account.id
    changes = describe_changes(plan, row, account, group_ids)
    if plan.mode == UPDATE and changes:
        row.status = UPDATE
        row.notes.append("Changes " + "; ".join(changes) + ".")
    else:
        row.status = UNCHANGED
        if changes:
            row.notes.append(
                "Exists already; add mode leaves it as it is. Update mode would "
                "change " + "; ".join(changes) + "."
            )
    add_existing_notes(plan, row, account)


def describe_changes(
    plan: ImportPlan, row: RosterRow, account: Any, group_ids: set[int]
) -> list[str]:
    changes = []
    if row.first_name != account.first_name:
        changes.append(f"first name {account.first_name!r} to {row.first_name!r}")
    if row.last_name != account.last_name:
        changes.append(f"last name {account.last_name!r} to {row.last_name!r}")
    if row.external_id is None:
        row.external_id = account.external_id
    elif row.external_id != account.external_id:
        changes.append(
            f"student id {account.external_id or '(none)'!r} to {row.external_id!r}"
        )
    row.missing_group_keys = [
        name.casefold()
        for name in row.groups
        if plan.group_ids.get(name.casefold()) not in group_ids
    ]
    if row.missing_group_keys:
        added = [
            name for name in row.groups if name.casefold() in row.missing_group_keys
        ]
        changes.append("adds to " + ", ".join(added))
    return changes


def add_existing_notes(plan: ImportPlan, row: RosterRow, account: Any) -> None:
    if row.password is not None:
        row.notes.append("Existing accounts keep their password.")
    if not account.active:
        row.notes.append(
            "This learner is deactivated; importing does not reactivate them."
        )


def reject_archived_groups(
    plan: ImportPlan, row: RosterRow, archived: set[str]
) -> None:
    for name in row.groups:
        if name.casefold() in archived:
            row.reject(
                plan.columns.header("groups"),
                name,
                f"Group {name!r} is archived. Restore it on the Groups page, or "
                "use another group name.",
            )


def reject_taken_external_ids(plan: ImportPlan) -> None:
    """Reject rows whose student id belongs to another account of the organisation."""
    writing = [
        row for row in plan.rows if row.status in (CREATE, UPDATE) and row.external_id
    ]
    owners = external_id_owners(plan.org_id, (row.external_id for row in writing))
    for row in writing:
        owner = owners.get(row.external_id or "")
        if owner is not None and owner.email != row.email:
            row.reject(
                plan.columns.header("external_id"),
                row.external_id or "",
                f"Student id {row.external_id!r} belongs to another account of this "
                f"organisation ({owner.email}).",
            )


def collect_new_groups(plan: ImportPlan) -> None:
    for row in plan.rows:
        if row.status not in (CREATE, UPDATE):
            continue
        for name in row.groups:
            key = name.casefold()
            if key not in plan.group_ids:
                plan.new_groups.setdefault(key, name)
                if row.status == UPDATE and key not in row.missing_group_keys:
                    row.missing_group_keys.append(key)


# Database look-ups, in batches so that an IN list stays within every
# database's parameter limit.


def accounts_by_email(emails: Iterable[str]) -> dict[str, Any]:
    columns = (
        User.id,
        User.org_id,
        User.email,
        User.role,
        User.first_name,
        User.last_name,
        User.external_id,
        User.active,
    )
    found: dict[str, Any] = {}
    for batch in chunks(sorted(set(emails)), BATCH_SIZE):
        for account in db.session.execute(
            select(*columns).where(User.email.in_(batch))
        ):
            found[account.email] = account
    return found


def external_id_owners(
    org_id: int, external_ids: Iterable[str | None]
) -> dict[str, Any]:
    owners: dict[str, Any] = {}
    wanted = sorted({value for value in external_ids if value})
    for batch in chunks(wanted, BATCH_SIZE):
        query = select(User.id, User.email, User.external_id).where(
            User.org_id == org_id, User.external_id.in_(batch)
        )
        for owner in db.session.execute(query):
            owners[owner.external_id] = owner
    return owners


def load_groups(org_id: int) -> tuple[dict[str, int], set[str]]:
    """Return the organisation's groups by case-folded name, and the archived ones."""
    ids: dict[str, int] = {}
    archived: set[str] = set()
    query = select(Group.id, Group.name, Group.archived_at).where(
        Group.org_id == org_id
    )
    for group in db.session.execute(query):
        ids[group.name.casefold()] = group.id
        if group.archived_at is not None:
            archived.add(group.name.casefold())
    return ids, archived


def memberships_of(user_ids: Iterable[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    for batch in chunks(sorted(set(user_ids)), BATCH_SIZE):
        query = select(GroupMember.user_id, GroupMember.group_id).where(
            GroupMember.user_id.in_(batch)
        )
        for user_id, group_id in db.session.execute(query):
            result.setdefault(user_id, set()).add(group_id)
    return result


# Committing


def commit_import(
    plan: ImportPlan,
    *,
    valid_only: bool = False,
    actor_id: int | None,
    reference: str,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportOutcome:
    """Write the plan into the session, or nothing if a row has an error.

    valid_only: write the rows without errors even when other rows have some.
    reference: names the import in the audit event and the log, such as a
    row id or a file name.
    progress: called as ``progress(done, total)`` while passwords are hashed.
    """
    outcome = ImportOutcome(plan, committed=False)
    if outcome.rejected and not valid_only:
        log.info(
            "import %s rejected: %d rows have errors, nothing written, by user %s",
            reference,
            outcome.rejected,
            actor_label(actor_id),
        )
        return outcome
    creates = plan.rows_with(CREATE)
    secrets, outcome.login_sheet = choose_passwords(creates)
    workers = workers or current_app.config.get("LAUREL_HASH_WORKERS")
    hashes = hash_passwords(secrets, workers, progress)
    write_plan(plan, creates, hashes)
    outcome.committed = True
    outcome.created = len(creates)
    outcome.updated = plan.count(UPDATE)
    outcome.unchanged = plan.count(UNCHANGED)
    record_import(outcome, actor_id, reference, valid_only)
    return outcome


def choose_passwords(
    creates: list[RosterRow],
) -> tuple[list[str], list[LoginSheetEntry]]:
    """Return each new account's password, generating missing ones for the sheet."""
    secrets: list[str] = []
    sheet: list[LoginSheetEntry] = []
    for row in creates:
        password = row.password
        if password is None:
            password = passwords.generate_password()
            sheet.append(
                LoginSheetEntry(
                    row.last_name,
                    row.first_name,
                    row.email,
                    password,
                    "; ".join(row.groups),
                )
            )
        secrets.append(password)
    return secrets, sheet


def record_import(
    outcome: ImportOutcome, actor_id: int | None, reference: str, valid_only: bool
) -> None:
    plan = outcome.plan
    audit.record(
        "import",
        "roster_import",
        reference,
        org_id=plan.org_id,
        actor_id=actor_id,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        rejected=outcome.rejected,
        skipped_blank=plan.table.skipped_blank,
        groups_created=len(plan.new_groups),
        mode=plan.mode,
        valid_only=valid_only,
    )
    log.info(
        "import %s: %d created, %d updated, %d rejected by user %s",
        reference,
        outcome.created,
        outcome.updated,
        outcome.rejected,
        actor_label(actor_id),
    )


def actor_label(actor_id: int | None) -> str:
    return str(actor_id) if actor_id is not None else "(command line)"


def read_and_plan(data: bytes, filename: str, org_id: int, mode: str) -> ImportPlan:
    """Read a file and plan its import; raises RosterFileError."""
    return plan_import(read_roster(data, filename), org_id, mode)


def iter_sorted_rows(
    plan: ImportPlan, status: str | None = None
) -> Iterator[RosterRow]:
    """Yield rows errors first, then in file order; only ``status`` if given."""
    rows = plan.rows if status is None else plan.rows_with(status)
    yield from sorted(rows, key=lambda row: (row.status != ERROR, row.number))
