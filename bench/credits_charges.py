"""Benchmark credit charges on one organisation, alone and from racing threads.

Usage:
    .venv/bin/python bench/credits_charges.py --charges 300 --threads 1 4 10

A freshly migrated database gets one organisation with one learner and
enough credits. Then, for each thread count, every thread makes its share
of the charges through ``laurel_charge``, one credit and one commit each,
on its own connection. All charges of one organisation queue on its
``credit_accounts`` row lock, so this measures that queue. It prints one
Markdown table row per backend and thread count: charges per second and
SQL statements per charge.

PostgreSQL comes from ``LAUREL_BENCH_DATABASE_URL`` (default: the local
server as user postgres); a temporary database is created and dropped.
SQLite runs with one thread only, because it allows one writer at a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def build_app(url: str, instance: Path) -> Any:
    import flask_migrate
    from laurel import create_app

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
    return app


def seed(app: Any, credits: int) -> tuple[int, int]:
    """Create the organisation and its learner, grant credits; return their ids."""
    from laurel.extensions import db
    from laurel.identity.models import Role
    from laurel.identity.services import create_organisation, create_user
    from laurel_credits import services

    with app.app_context():
        org = create_organisation("bench", "Bench College")
        learner = create_user(
            email="learner@bench.example",
            first_name="Bench",
            last_name="Learner",
            role=Role.LEARNER,
            org=org,
            password="bench password 1",
        ).user
        db.session.commit()
        services.purchase(org.id, credits, "bench", None, f"bench-{uuid.uuid4()}")
        db.session.commit()
        return org.id, learner.id


def charge_many(app: Any, org_id: int, learner_id: int, count: int) -> None:
    from laurel.extensions import db
    from laurel.plugins.registry import hooks

    line = {
        "kind": "unit",
        "suite": "workplace_readiness",
        "unit": "communication_assessment",
        "learner_id": learner_id,
        "credits": 1,
    }
    with app.app_context():
        for _ in range(count):
            hooks(app).laurel_charge(
                org_id=org_id,
                lines=[line],
                idempotency_key=f"bench-{uuid.uuid4()}",
                actor_id=None,
                reason="bench",
            )
            db.session.commit()
        db.session.remove()


def run(
    app: Any, ids: tuple[int, int], charges: int, threads: int
) -> tuple[float, float]:
    """Return charges per second and statements per charge."""
    from laurel.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args: Any) -> None:
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    share = charges // threads
    workers = [
        threading.Thread(target=charge_many, args=(app, *ids, share))
        for _ in range(threads)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    sa.event.remove(engine, "before_cursor_execute", count)
    done = share * threads
    return done / elapsed, len(statements) / done


def backend_url(name: str, workdir: Path) -> tuple[str, Any]:
    """Return a fresh database URL and a function that drops it."""
    if name == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    server = sa.make_url(os.environ.get("LAUREL_BENCH_DATABASE_URL", DEFAULT_PG_URL))
    database = f"laurel_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=database).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charges", type=int, default=300, help="charges per run")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 10])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    options = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"
    )
    print("| backend | threads | charges | charges/s | statements/charge |")
    print("| --- | --- | --- | --- | --- |")
    for backend in options.backends:
        with tempfile.TemporaryDirectory() as workdir:
            url, drop = backend_url(backend, Path(workdir))
            try:
                app = build_app(url, Path(workdir) / "instance")
                ids = seed(app, options.charges * len(options.threads))
                thread_counts = [1] if backend == "sqlite" else options.threads
                for threads in thread_counts:
                    rate, per_charge = run(app, ids, options.charges, threads)
                    print(
                        f"| {backend} | {threads} | {options.charges} | {rate:.0f} "
                        f"| {per_charge:.1f} |"
                    )
                with app.app_context():
                    from laurel.extensions import db

                    db.engine.dispose()
            finally:
                drop()


if __name__ == "__main__":
    main()
