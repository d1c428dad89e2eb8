"""Benchmark the progress matrix and its exports on a large group.

Usage:
    .venv/bin/python bench/reports_matrix.py --learners 10000 --backends sqlite postgresql

For each backend, a freshly migrated database gets one organisation and
one group of N learners with the Workplace Readiness suite. Every learner
has all 20 units of the suite assigned (200,000 unit assignments for
10,000 learners), in states that vary by learner, with an attempt row per
attempt used. All rows go in through executemany inserts
(``tests/reports/seeding.py``). On PostgreSQL the script runs ANALYZE after
seeding, as autovacuum would soon after a bulk load; SQLite keeps its
default of no statistics.

Then, through the Flask test client as a signed-in instructor, it times:

- matrix pages: several pages of each view (sorted by name, sorted by
  progress, filtered by "one area away", "stuck" and a status), each page
  requested ``--repeat`` times, reporting the median and the statements;
- exports of the whole group as CSV and XLSX, reading the streamed body
  chunk by chunk and discarding it, reporting seconds, size and the peak
  Python memory (tracemalloc, in a second run, since tracing slows it).

PostgreSQL comes from ``LAUREL_BENCH_DATABASE_URL`` (default: the local
server as user postgres); a temporary database is created and dropped.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.reports.seeding

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench password"
SEED_BATCH = 1_000
VIEWS = {
    "name": {},
    "progress": {"sort": "progress"},
    "one area away": {"one_area_away": "1"},
    "stuck": {"stuck": "1"},
    "status reassigned": {"status": "reassigned"},
}


@contextmanager
def statement_counter(engine: sa.Engine) -> Iterator[list[int]]:
    statements: list[int] = []

    def count(*_args: Any) -> None:
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def unit_states(index: int, suite: Any) -> dict[str, Any]:
    """Give learner ``index`` a state in every unit, spread over all kinds."""
    from tests.reports import seeding

    choices = [
        seeding.passed(82),
        seeding.passed(55, 91),
        seeding.failed(40),
        seeding.reassigned(35),
        seeding.in_progress(),
        seeding.not_started(),
    ]
    passed_areas = index % (len(suite.areas) + 1)
    states = {}
    for position, unit in enumerate(suite.units):
        area = position // 2
        if area < passed_areas and unit.is_assessment:
            states[unit.key] = choices[index % 2]
        elif area >= passed_areas and (index + area) % 9 == 0:
            states[unit.key] = seeding.failed(30, 45, allowed=2)  # stuck
        else:
            states[unit.key] = choices[2 + (index + position) % 4]
    return states


def seed(app: Any, learners: int) -> tuple[str, int]:
    """Create the organisation, group and progress; return the login and group id."""
    from laurel.extensions import db
    from laurel.identity.models import Role
    from laurel.identity.services import create_organisation, create_user
    from laurel.plugins import registry
    from laurel.rosters import services as rosters
    from tests.reports.seeding import bulk_learners, bulk_progress

    suite = registry.get_suite("workplace_readiness", app)
    if suite is None:
        raise SystemExit("the Workplace Readiness plugin is not installed")
    org = create_organisation("bench", "Bench College")
    instructor = create_user(
        email="instructor@bench.example", first_name="Bench", last_name="Instructor",
        role=Role.INSTRUCTOR, org=org, password=PASSWORD,
    ).user  # fmt: skip
    group = rosters.create_group(org.id, "Everyone", actor_id=None)
    db.session.commit()
    ids = bulk_learners(org, learners, group_id=group.id)
    for start in range(0, len(ids), SEED_BATCH):
        batch = ids[start : start + SEED_BATCH]
        plans = [(lid, unit_states(start + i, suite)) for i, lid in enumerate(batch)]
        bulk_progress(org.id, suite, plans)
    return instructor.email, group.id


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar()
            for name in ("users", "unit_assignments", "attempts")
        }


def time_pages(
    client: Any, engine: sa.Engine, base: dict[str, str], pages: list[int], repeat: int
) -> list[tuple[str, int, float, int, int]]:
    """Return (view, page, median seconds, statements, rows shown) per page."""
    results = []
    for view, args in VIEWS.items():
        for page in pages_of(client, {**base, **args}, pages):
            query = {**base, **args, "page": str(page)}
            seconds = []
            for _ in range(repeat):
                with statement_counter(engine) as statements:
                    start = time.perf_counter()
                    response = client.get("/reports/matrix", query_string=query)
                    body = response.get_data(as_text=True)
                    seconds.append(time.perf_counter() - start)
                assert response.status_code == 200, body[:500]
            rows = body.count('<th scope="row">')
            results.append(
                (view, page, statistics.median(seconds), len(statements), rows)
            )
    return results


def pages_of(client: Any, query: dict[str, str], wanted: list[int]) -> list[int]:
    """Return the wanted pages that exist for a view, and its last page."""
    body = client.get("/reports/matrix", query_string=query).get_data(as_text=True)
    found = re.search(r'<p class="count">([0-9]+) learner', body)
    total = int(found.group(1)) if found else 0
    last = max(1, -(-total // 50))
    return sorted({page for page in wanted if page <= last} | {last})


def read_export(client: Any, fmt: str, base: dict[str, str]) -> tuple[float, int]:
    """Download one export chunk by chunk; return seconds and bytes."""
    start = time.perf_counter()
    response = client.get(f"/reports/matrix/export.{fmt}", query_string=base)
    assert response.status_code == 200
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return time.perf_counter() - start, size


def peak_memory(work: Callable[[], Any]) -> float:
    """Run ``work`` under tracemalloc; return the peak of traced memory in MB."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def run_backend(
    backend: str, url: str, args: argparse.Namespace, workdir: Path
) -> None:
    import flask_migrate

    from laurel import create_app
    from laurel.extensions import db

    config = {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "SECRET_KEY": "bench",
        "WTF_CSRF_ENABLED": False,  # the test client posts the login form
    }
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        start = time.perf_counter()
        email, group_id = seed(app, args.learners)
        seed_seconds = time.perf_counter() - start
        if backend == "postgresql":
            with db.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as c:
                c.execute(sa.text("ANALYZE"))
        engine = db.engine
        counts = table_counts(engine)
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    base = {"suite": "workplace_readiness", "group": str(group_id)}
    client.get("/reports/matrix", query_string=base)  # warm up

    print(f"\n### {backend}: {counts} seeded in {seed_seconds:.0f} s\n")
    print("| view | page | median s | statements | rows |")
    print("| --- | --- | --- | --- | --- |")
    for view, page, seconds, statements, rows in time_pages(
        client, engine, base, args.pages, args.repeat
    ):
        print(f"| {view} | {page} | {seconds:.3f} | {statements} | {rows} |")

    print("\n| export | s | MB | peak traced MB |")
    print("| --- | --- | --- | --- |")
    for fmt in ("csv", "xlsx"):
        seconds, size = read_export(client, fmt, base)
        peak = peak_memory(lambda fmt=fmt: read_export(client, fmt, base))
        print(f"| {fmt} | {seconds:.2f} | {size / 1e6:.2f} | {peak:.1f} |")
    engine.dispose()


def postgres_database(server_url: str) -> tuple[str, Callable[[], None]]:
    name = f"laurel_bench_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        server.dispose()

    url = sa.engine.make_url(server_url).set(database=name)
    return url.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--learners", type=int, default=10_000, help="learners in the group"
    )
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--pages", type=int, nargs="+", default=[1, 50, 100, 200],
                        help="matrix pages to time (50 learners each)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="requests per page")
    args = parser.parse_args()
    for backend in args.backends:
        with tempfile.TemporaryDirectory(prefix="laurel-bench-") as directory:
            workdir = Path(directory)
            if backend == "sqlite":
                run_backend(
                    backend, f"sqlite:///{workdir / 'bench.sqlite3'}", args, workdir
                )
                continue
            server_url = os.environ.get("LAUREL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
            url, drop = postgres_database(server_url)
            try:
                run_backend(backend, url, args, workdir)
            finally:
                drop()


if __name__ == "__main__":
    main()
