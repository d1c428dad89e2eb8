"""Bulk writes for a roster import: a fixed number of statements per batch.

New groups, new users and group memberships go in as executemany INSERTs,
which SQLAlchemy 2 sends as one multi-row INSERT per 1,000 rows (its
"insertmanyvalues" mode, page size 1,000), reusing one compiled statement.
Updated users go in as one executemany UPDATE. A batch of users has 9,000
bind parameters, below SQLite's documented default maximum of 32,766
(version 3.32 and later) and PostgreSQL's 65,535.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import bindparam, insert, update

from laurel.extensions import db
from laurel.identity.models import Role, User, new_session_token
from laurel.rosters.import_rows import UPDATE, RosterRow
from laurel.rosters.models import Group, GroupMember

if TYPE_CHECKING:
    from laurel.rosters.importer import ImportPlan

BATCH_SIZE = 1000
T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_plan(plan: ImportPlan, creates: list[RosterRow], hashes: list[str]) -> None:
    """Insert the plan's groups, users and memberships, and apply its updates."""
    group_ids = dict(plan.group_ids)
    group_ids.update(insert_groups(plan.org_id, list(plan.new_groups.values())))
    user_ids = insert_users(plan.org_id, creates, hashes)
    updates = plan.rows_with(UPDATE)
    update_users(updates)
    pairs: list[dict[str, int | None]] = [
        {"group_id": group_ids[name.casefold()], "user_id": user_ids[row.email]}
        for row in creates
        for name in row.groups
    ]
    pairs += [
        {"group_id": group_ids[key], "user_id": row.user_id}
        for row in updates
        for key in row.missing_group_keys
    ]
    insert_rows(GroupMember.__table__, pairs)


def insert_groups(org_id: int, names: list[str]) -> dict[str, int]:
    """Create groups; return their ids by case-folded name."""
    table = Group.__table__
    ids: dict[str, int] = {}
    statement = insert(table).returning(table.c.id, table.c.name)
    for batch in chunks(names, BATCH_SIZE):
        values = [{"org_id": org_id, "name": name} for name in batch]
        for group_id, name in db.session.execute(statement, values):
            ids[name.casefold()] = group_id
    return ids


def insert_users(
    org_id: int, rows: list[RosterRow], hashes: list[str]
) -> dict[str, int]:
    """Create learner accounts; return their ids by email."""
    table = User.__table__
    ids: dict[str, int] = {}
    values = [
        {
            "org_id": org_id,
            "email": row.email,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "role": Role.LEARNER,
            "external_id": row.external_id,
            "password_hash": password_hash,
            "session_token": new_session_token(),
            "active": True,
        }
        for row, password_hash in zip(rows, hashes, strict=True)
    ]
    statement = insert(table).returning(table.c.id, table.c.email)
    for batch in chunks(values, BATCH_SIZE):
        for user_id, email in db.session.execute(statement, list(batch)):
            ids[email] = user_id
    return ids


def update_users(rows: list[RosterRow]) -> None:
    if not rows:
        return
    table = User.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("target_id"))
        .values(
            first_name=bindparam("new_first_name"),
            last_name=bindparam("new_last_name"),
            external_id=bindparam("new_external_id"),
        )
    )
    db.session.execute(
        statement,
        [
            {
                "target_id": row.user_id,
                "new_first_name": row.first_name,
                "new_last_name": row.last_name,
                "new_external_id": row.external_id,
            }
            for row in rows
        ],
    )


def insert_rows(table: object, rows: Sequence[Mapping[str, object]]) -> None:
    statement = insert(table)  # type: ignore[arg-type]
    for batch in chunks(rows, BATCH_SIZE):
        db.session.execute(statement, list(batch))
