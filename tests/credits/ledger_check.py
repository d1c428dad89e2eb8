"""An independent check of the ledger invariant, in plain SQL.

For every organisation, the cached balance equals the sum of its entry
amounts. Replaying the entries in id order gives each entry's
balance_after and never goes below zero. A charge's or refund's lines add
up to its amount, and no other kind of entry has lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass
class CheckLog:
    """Each credits test's result, so the last test can judge the whole run."""

    results: dict[str, list[str]] = field(default_factory=dict)

    def add(self, test_id: str, problems: list[str]) -> None:
        self.results[test_id] = problems

    def failures(self) -> dict[str, list[str]]:
        return {test_id: found for test_id, found in self.results.items() if found}


CHECK_LOG = CheckLog()


def ledger_problems(connection: sa.Connection) -> list[str]:
    """Return a description of every breach of the invariant; empty when none."""
    problems = balance_problems(connection)
    problems += running_problems(connection)
    problems += line_problems(connection)
    return problems


def balance_problems(connection: sa.Connection) -> list[str]:
    cached = dict(
        connection.execute(sa.text("SELECT org_id, balance FROM credit_accounts")).all()
    )
    summed = dict(
        connection.execute(
            sa.text("SELECT org_id, SUM(amount) FROM credit_entries GROUP BY org_id")
        ).all()
    )
    problems = []
    for org_id in sorted(set(cached) | set(summed)):
        if cached.get(org_id, 0) != (summed.get(org_id) or 0):
            problems.append(
                f"organisation {org_id}: cached balance {cached.get(org_id, 0)} but "
                f"entries sum to {summed.get(org_id) or 0}"
            )
        if cached.get(org_id, 0) < 0:
            problems.append(f"organisation {org_id}: negative balance {cached[org_id]}")
    return problems


def running_problems(connection: sa.Connection) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT id, org_id, amount, balance_after FROM credit_entries ORDER BY id"
        )
    ).all()
    running: dict[int, int] = {}
    problems = []
    for entry_id, org_id, amount, balance_after in rows:
        running[org_id] = running.get(org_id, 0) + amount
        if running[org_id] != balance_after:
            problems.append(
                f"entry {entry_id}: balance_after {balance_after}, replay gives "
                f"{running[org_id]}"
            )
        if running[org_id] < 0:
            problems.append(f"entry {entry_id}: balance below zero ({running[org_id]})")
    return problems


def line_problems(connection: sa.Connection) -> list[str]:
    rows = connection.execute(
        sa.text(
            "SELECT e.id, e.kind, e.amount, e.org_id, "
            "COALESCE(SUM(l.credits), 0), COUNT(l.id), "
            "SUM(CASE WHEN l.org_id <> e.org_id THEN 1 ELSE 0 END) "
            "FROM credit_entries e LEFT JOIN credit_entry_lines l ON l.entry_id = e.id "
            "GROUP BY e.id, e.kind, e.amount, e.org_id"
        )
    ).all()
    problems = []
    for entry_id, kind, amount, _org_id, credits, count, foreign in rows:
        if kind in ("charge", "refund") and (count == 0 or credits != abs(amount)):
            problems.append(
                f"entry {entry_id} ({kind} {amount}): {count} lines adding up "
                f"to {credits}"
            )
        if kind not in ("charge", "refund") and count:
            problems.append(f"entry {entry_id} ({kind}) has {count} lines")
        if foreign:
            problems.append(f"entry {entry_id} has lines of another organisation")
    return problems
