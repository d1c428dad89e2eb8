"""Benchmark a mass assignment: quote and confirm the subscription for a group.

Usage:
    .venv/bin/python bench/assign_mass.py --learners 10000 --backends sqlite postgresql

For each backend, a freshly migrated database gets one organisation, one
group of N learners (inserted with one Core statement and a fixed
password hash, since they never log in) and enough credits. Then it times:

- quote: ``plan_assignment`` plus ``make_quote``, what the quote page runs;
- confirm: ``assign`` and the commit, with the credits plugin's charge;

and counts the SQL statements of each with a ``before_cursor_execute``
listener. PostgreSQL comes from ``LAUREL_BENCH_DATABASE_URL`` (default: the
local server as user postgres); a temporary database is created and dropped.
Prints one Markdown table row per backend.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def timed(engine: sa.Engine, work: Callable[[], Any]) -> tuple[float, int, Any]:
    """Run ``work``; return its seconds, its statement count and its result."""
    statements = []

    def count(*_args: Any) -> None:
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    start = time.perf_counter()
    try:
        result = work()
    finally:
        elapsed = time.perf_counter() - start
        sa.event.remove(engine, "before_cursor_execute", count)
    return elapsed, len(statements), result


def seed(learners: int) -> tuple[int, int, int]:
    """Create the organisation, instructor, group and learners; return their ids."""
    from laurel.extensions import db
    from laurel.identity.models import Role, User
    from laurel.identity.services import create_organisation, create_user
    from laurel.rosters import services as rosters

    org = create_organisation("bench", "Bench College")
    instructor = create_user(
        email="instructor@bench.example", first_name="Bench", last_name="Instructor",
        role=Role.INSTRUCTOR, org=org, password="bench password",
    ).user  # fmt: skip
    rows = [
        {
            "org_id": org.id,
            "email": f"learner{n}@bench.example",
            "first_name": "Learner",
            "last_name": f"{n:05d}",
            "role": Role.LEARNER,
            "password_hash": "unused",
        }
        for n in range(learners)
    ]
    db.session.execute(sa.insert(User), rows)
    group = rosters.create_group(org.id, "Everyone", actor_id=None)
    db.session.flush()
    db.session.execute(
        sa.text(
            "INSERT INTO group_members (group_id, user_id) SELECT :group_id, id "
            "FROM users WHERE org_id = :org_id AND role = 'learner'"
        ),
        {"group_id": group.id, "org_id": org.id},
    )
    db.session.commit()
    return org.id, instructor.id, group.id


def buy_credits(org_id: int, amount: int) -> None:
    from laurel.extensions import db
    from laurel_credits import services as credits

    credits.purchase(org_id, amount, "benchmark", None, "bench-purchase")
    db.session.commit()


def measure(url: str, learners: int) -> dict[str, Any]:
    import flask_migrate
    from laurel import create_app
    from laurel.assignments import services
    from laurel.assignments.models import AssignmentKind
    from laurel.assignments.selection import Selection
    from laurel.extensions import db
    from laurel.identity.services import utcnow
    from laurel.plugins.registry import get_suite

    instance = tempfile.mkdtemp(prefix="laurel-bench-")
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench"}
    )
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        org_id, instructor_id, group_id = seed(learners)
        suite = get_suite("workplace_readiness")
        buy_credits(org_id, suite.pricing.subscription.credits * learners)
        choice = services.AssignChoice(suite, AssignmentKind.SUBSCRIPTION, (), True)
        selection = Selection(all_matching=True, group_id=group_id)

        def quote() -> Any:
            plan = services.plan_assignment(org_id, choice, selection, utcnow())
            return services.make_quote(org_id, plan.lines, plan.items)

        def confirm() -> Any:
            batch = services.assign(
                org_id,
                instructor_id,
                choice,
                selection,
                services.new_request_token(),
                None,
            )
            db.session.commit()
            return batch

        quote_s, quote_n, shown = timed(db.engine, quote)
        db.session.rollback()
        confirm_s, confirm_n, batch = timed(db.engine, confirm)
        assert batch.changed_count == learners
        assert batch.credits_charged == shown.total
        db.engine.dispose()
    return {
        "quote_s": quote_s,
        "quote_n": quote_n,
        "confirm_s": confirm_s,
        "confirm_n": confirm_n,
    }


def postgres_database() -> tuple[str, Callable[[], None]]:
    server = sa.engine.make_url(
        os.environ.get("LAUREL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    )
    name = f"laurel_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--learners", type=int, default=10_000, help="learners in the group"
    )
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    python = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {python}")
    columns = ["backend", "learners", "quote s", "quote statements", "confirm s"]
    columns.append("confirm statements")
    print("| " + " | ".join(columns) + " |")
    print("|" + " --- |" * len(columns))
    for backend in args.backends:
        if backend == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
            drop: Callable[[], None] = lambda: None  # noqa: E731
        else:
            url, drop = postgres_database()
        try:
            row = measure(url, args.learners)
        finally:
            drop()
        print(
            f"| {backend} | {args.learners} | {row['quote_s']:.2f} | {row['quote_n']} "
            f"| {row['confirm_s']:.2f} | {row['confirm_n']} |"
        )


if __name__ == "__main__":
    main()
