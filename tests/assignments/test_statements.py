"""Mass assignment cost: the same number of SQL statements for 10 or 500 learners."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from laurel.assignments import services
from laurel.assignments.models import AssignmentKind, SuiteAssignment, UnitAssignment
from laurel.assignments.selection import Selection
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.rosters import services as rosters
from sqlalchemy import event, insert, select

from tests.assignments.helpers import balance, count, grant, real_suite


def add_learners(org_id: int, number: int, prefix: str) -> int:
    """Insert learners in one statement and put them in a new group; return its id."""
    rows = [
        {
            "org_id": org_id,
            "email": f"{prefix}{index}@bulk.example",
            "first_name": "Bulk",
            "last_name": f"Learner {index:04d}",
            "role": Role.LEARNER,
            "password_hash": "not-a-real-hash",  # these accounts never log in
        }
        for index in range(number)
    ]
    db.session.execute(insert(User), rows)
    group = rosters.create_group(org_id, f"{prefix} group", actor_id=None)
    ids = db.session.scalars(select(User.id).where(User.email.like(f"{prefix}%"))).all()
    rosters.add_members(group, ids, actor_id=None)
    db.session.commit()
    return group.id


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def assign_group(
    org_id: int, actor_id: int, group_id: int, kind: AssignmentKind
) -> list[str]:
    suite = real_suite()
    units = (
        ()
        if kind is AssignmentKind.SUBSCRIPTION
        else (suite.units[0].key, suite.units[1].key)
    )
    choice = services.AssignChoice(suite, kind, units, True)
    selection = Selection(all_matching=True, group_id=group_id)
    with counted_statements() as statements:
        services.assign(
            org_id, actor_id, choice, selection, services.new_request_token(), None
        )
        db.session.commit()
    return statements


# NOTE: on SQLite the credits plugin writes its ledger lines with one INSERT
# per line, because its ORM flush needs RETURNING. So there the charge grows
# with the learners, while on PostgreSQL it is one statement. The core's own
# statements are counted on both databases without billing, further down.
@pytest.mark.backends("postgresql")
def test_statements_independent_of_size(app, make_org, make_user) -> None:
    counts = {}
    for number in (10, 500):
        org = make_org()
        instructor = make_user(org, Role.INSTRUCTOR)
        grant(org.id, 5 * number)
        group_id = add_learners(org.id, number, f"s{number}-")
        statements = assign_group(
            org.id, instructor.id, group_id, AssignmentKind.SUBSCRIPTION
        )
        counts[number] = len(statements)
        assert balance(org.id) == 0
        assert count(SuiteAssignment, SuiteAssignment.org_id == org.id) == number
        assert count(UnitAssignment, UnitAssignment.org_id == org.id) == 10 * number
    assert counts[10] == counts[500], counts
    assert counts[500] < 60, counts


@pytest.mark.backends("postgresql")
def test_unit_purchase_statements_fixed(app, make_org, make_user) -> None:
    counts = {}
    for number in (10, 500):
        org = make_org()
        instructor = make_user(org, Role.INSTRUCTOR)
        grant(org.id, 2 * number)
        group_id = add_learners(org.id, number, f"u{number}-")
        counts[number] = len(
            assign_group(org.id, instructor.id, group_id, AssignmentKind.UNITS)
        )
        assert count(UnitAssignment, UnitAssignment.org_id == org.id) == 2 * number
    assert counts[10] == counts[500], counts


class TestWithoutBilling:
    """The core's statements alone, on both databases."""

    @pytest.fixture
    def app_config(self, app_config):  # noqa: ANN001, ANN201
        return {**app_config, "PLUGINS": "workplace_readiness"}

    def test_core_statements_fixed(self, app, make_org, make_user) -> None:
        counts = {}
        for number in (10, 500):
            org = make_org()
            instructor = make_user(org, Role.INSTRUCTOR)
            group_id = add_learners(org.id, number, f"c{number}-")
            for kind in AssignmentKind:
                statements = assign_group(org.id, instructor.id, group_id, kind)
                counts[(number, kind.value)] = len(statements)
            # Ten assessments, then the first area's skill-building unit.
            assert count(UnitAssignment, UnitAssignment.org_id == org.id) == 11 * number
        assert counts[(10, "subscription")] == counts[(500, "subscription")], counts
        assert counts[(10, "units")] == counts[(500, "units")], counts
        assert counts[(500, "subscription")] < 40, counts
