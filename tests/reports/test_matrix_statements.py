"""A matrix page costs the same number of SQL statements at any size and page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from laurel.extensions import db
from laurel.identity.models import Organisation
from laurel.plugins.suites import Suite
from laurel.rosters import services as rosters
from tests.reports.pages import matrix_names
from tests.reports.seeding import (
    UnitSeed,
    bulk_learners,
    bulk_progress,
    failed,
    in_progress,
    not_started,
    passed,
    reassigned,
)

SMALL = 100
LARGE = 1_200


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Collect every statement the app's engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def progress_for(index: int, suite: Suite) -> dict[str, UnitSeed]:
    """Vary the states by learner, so every kind of cell and filter has rows."""
    states = [passed(85), failed(40), reassigned(30), in_progress(), not_started()]
    return {
        unit.key: states[(index + position) % len(states)]
        for position, unit in enumerate(suite.units)
        if (index + position) % 7 != 0
    }


def seed(org: Organisation, suite: Suite, count: int, group_id: int | None) -> None:
    ids = bulk_learners(
        org,
        count,
        name=lambda i, start=count: (f"First{i:05d}", f"Bulk{i:05d}-{start}"),
        group_id=group_id,
    )
    bulk_progress(
        org.id, suite, [(lid, progress_for(i, suite)) for i, lid in enumerate(ids)]
    )


def page_statements(client: Any, suite: Suite, **args: str) -> tuple[int, list[str]]:
    with counted_statements() as statements:
        response = client.get(
            "/reports/matrix", query_string={"suite": suite.key, **args}
        )
    assert response.status_code == 200
    return len(statements), matrix_names(response.get_data(as_text=True))


FILTERED = {"status": "failed", "sort": "progress"}


def test_matrix_statement_count_is_constant(
    client, login, org, instructor, suite
) -> None:
    group = rosters.create_group(org.id, "Everyone", actor_id=None)
    db.session.commit()
    seed(org, suite, SMALL, group.id)
    login(instructor)
    client.get("/reports/matrix", query_string={"suite": suite.key})  # warm the pool

    small_first, names = page_statements(client, suite)
    assert len(names) == 50
    small_last, names = page_statements(client, suite, page="2")
    assert len(names) == 50
    small_filtered, names = page_statements(
        client, suite, group=str(group.id), **FILTERED
    )
    assert names

    seed(org, suite, LARGE - SMALL, group.id)
    large_first, names = page_statements(client, suite)
    assert len(names) == 50
    large_later, names = page_statements(client, suite, page="17")
    assert len(names) == 50
    large_last, names = page_statements(client, suite, page="24")
    assert len(names) == 50
    large_filtered, names = page_statements(
        client, suite, group=str(group.id), page="3", **FILTERED
    )
    assert len(names) == 50

    assert small_first == small_last
    assert large_first == small_first
    assert large_later == small_first
    assert large_last == small_first
    assert large_filtered == small_filtered


def test_area_view_statement_count_is_constant(
    client, login, org, instructor, suite
) -> None:
    group = rosters.create_group(org.id, "Everyone", actor_id=None)
    db.session.commit()
    seed(org, suite, SMALL, group.id)
    login(instructor)
    client.get("/reports/matrix", query_string={"suite": suite.key})
    small, _ = page_statements(client, suite, view="areas", stuck="1")
    seed(org, suite, LARGE - SMALL, group.id)
    large, names = page_statements(client, suite, view="areas", stuck="1", page="2")
    assert names
    assert large == small


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "args", [{}, {"status": "reassigned"}, {"status": "not_assigned"}], ids=str
)
def test_page_lookups_avoid_org_index(
    client, login, org, instructor, suite, args: dict[str, str]
) -> None:
    """Without statistics, SQLite must reach a page's rows through the learners' index.

    Scanning the organisation through ix_unit_assignments_org_id instead
    costs minutes at 10,000 learners (bench/reports_matrix.py), once per
    learner for a status filter.
    """
    seed(org, suite, SMALL, group_id=None)
    login(instructor)
    statements: list[tuple[str, Any]] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any
    ) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(
            "/reports/matrix", query_string={"suite": suite.key, **args}
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    reads = [(sql, params) for sql, params in statements if "unit_assignments" in sql]
    assert len(reads) == 2  # the page with its figures, then the cells
    connection = db.session.connection()
    for sql, params in reads:
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        details = " | ".join(row[3] for row in plan)
        assert "ix_unit_assignments_org_id" not in details, details
