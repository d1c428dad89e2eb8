"""Benchmark the roster import against hashing alone and a plain bulk insert.

Usage:
    .venv/bin/python bench/import_roster.py --rows 10000 --backends sqlite postgresql

Each measurement runs in a fresh Python process on a freshly migrated
database, so its peak memory (``ru_maxrss``) is its own. Three measurements
per row count and backend:

- import: the whole ``laurel users import`` path (read the CSV, plan, hash
  the generated passwords over the worker processes, write, commit);
- hashing: ``hash_passwords`` for the same number of passwords, nothing else;
- core insert: one SQLAlchemy Core executemany INSERT of the same user rows
  with a fixed precomputed hash, the floor for writing them.

PostgreSQL comes from ``LAUREL_BENCH_DATABASE_URL`` (default: the local
server as user postgres); a temporary database is created and dropped.
Prints one Markdown table row per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MEASUREMENTS = ("hashing", "import", "core-insert")
FIRST_NAMES = ["Zoë", "Minjun", "محمد", "Siobhán", "Nguyễn Văn", "Ana", "Jan", "Amara"]
LAST_NAMES = ["O'Brien-Walsh", "김", "Al-Sayed", "van der Berg", "Trần", "Okafor"]


def roster_csv(rows: int) -> bytes:
    lines = ["First name,Last name,Email,Student id,Group"]
    for number in range(rows):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[number % len(LAST_NAMES)]
        email = f"learner{number}@bench.example"
        lines.append(f"{first},{last},{email},S{number:06d},Group {number % 40}")
    return ("\n".join(lines) + "\n").encode("utf-8")


class DescendantSampler:
    """Sample peak memory (VmHWM) and CPU time of every descendant process.

    Hash workers are children of the forkserver rather than of this process,
    so ``RUSAGE_CHILDREN`` does not count them. /proc is read every 0.2 s
    instead, which misses at most the last 0.2 s of each worker's CPU time.
    """

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self.cpu_ticks: dict[int, int] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            for pid in descendants(os.getpid()):
                peak = vm_hwm_kib(pid)
                if peak:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
                ticks = cpu_ticks(pid)
                if ticks:
                    self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), ticks)

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.thread.join()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        children_cpu = sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
        return {
            "peak_mib": round(usage.ru_maxrss / 1024, 1),
            "peak_child_mib": round(max(self.peaks.values(), default=0) / 1024, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime + children_cpu, 1),
        }


def cpu_ticks(pid: int) -> int:
    """Return the user plus system CPU time of ``pid`` in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# Databases


def create_database(backend: str, workdir: Path) -> tuple[str, str | None]:
    import sqlalchemy as sa

    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", None
    server = sa.engine.make_url(
        os.environ.get("LAUREL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    )
    name = f"laurel_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False), name


def drop_database(name: str | None) -> None:
    import sqlalchemy as sa

    if name is None:
        return
    server = os.environ.get("LAUREL_BENCH_DATABASE_URL", DEFAULT_PG_URL)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def migrated_app(url: str, workdir: Path):  # noqa: ANN201 - a Flask app
    import flask_migrate
    from laurel import create_app

    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
    return app


# One measurement, in a child process


def measure_import(app, rows: int) -> dict[str, float]:  # noqa: ANN001
    from laurel.extensions import db
    from laurel.identity.services import create_organisation
    from laurel.rosters import importer

    data = roster_csv(rows)
    with app.app_context():
        org = create_organisation("bench", "Bench")
        db.session.commit()
        marks: dict[str, float] = {}

        def progress(done: int, total: int) -> None:
            marks.setdefault("hash_start", time.perf_counter())
            if done == total:
                marks["hash_end"] = time.perf_counter()

        start = time.perf_counter()
        plan = importer.read_and_plan(data, "bench.csv", org.id, importer.ADD)
        planned = time.perf_counter()
        outcome = importer.commit_import(
            plan, actor_id=None, reference="bench", progress=progress
        )
        db.session.commit()
        end = time.perf_counter()
        assert outcome.created == rows, outcome.created
    return {
        "seconds": end - start,
        "read_plan_seconds": planned - start,
        "hash_seconds": marks["hash_end"] - marks["hash_start"],
        "write_seconds": end - marks["hash_end"],
    }


def measure_hashing(rows: int) -> dict[str, float]:
    from laurel.identity.passwords import generate_password
    from laurel.rosters.import_hashing import hash_passwords

    secrets = [generate_password() for _ in range(rows)]
    start = time.perf_counter()
    hashes = hash_passwords(secrets)
    assert len(hashes) == rows
    return {"seconds": time.perf_counter() - start}


def measure_core_insert(app, rows: int) -> dict[str, float]:  # noqa: ANN001
    import sqlalchemy as sa
    from laurel.extensions import db
    from laurel.identity.models import Role, User
    from laurel.identity.passwords import hash_password
    from laurel.identity.services import create_organisation

    fixed_hash = hash_password("bench password")
    with app.app_context():
        org = create_organisation("bench", "Bench")
        db.session.commit()
        values = [
            {
                "org_id": org.id,
                "email": f"learner{number}@bench.example",
                "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                "last_name": LAST_NAMES[number % len(LAST_NAMES)],
                "role": Role.LEARNER,
                "external_id": f"S{number:06d}",
                "password_hash": fixed_hash,
                "session_token": uuid.uuid4().hex,
                "active": True,
            }
            for number in range(rows)
        ]
        start = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(sa.insert(User.__table__), values)
        return {"seconds": time.perf_counter() - start}


def measure_single_hash() -> dict[str, float]:
    """Time one hash in this process: wall seconds and CPU seconds."""
    from laurel.identity.passwords import hash_password

    count = 50
    start, cpu_start = time.perf_counter(), time.process_time()
    for number in range(count):
        hash_password(f"password {number}")
    return {
        "seconds": (time.perf_counter() - start) / count,
        "cpu_per_hash": (time.process_time() - cpu_start) / count,
    }


def run_one(kind: str, rows: int, backend: str) -> dict[str, object]:
    sampler = DescendantSampler()
    if kind == "hashing":
        result: dict[str, object] = measure_hashing(rows)
    elif kind == "single-hash":
        result = measure_single_hash()
    else:
        with tempfile.TemporaryDirectory() as directory:
            workdir = Path(directory)
            url, name = create_database(backend, workdir)
            try:
                app = migrated_app(url, workdir)
                measure = measure_import if kind == "import" else measure_core_insert
                result = measure(app, rows)
                with app.app_context():
                    from laurel.extensions import db

                    db.engine.dispose()
            finally:
                drop_database(name)
    result.update(sampler.stop())
    return result


# The driver


def measure_in_child(kind: str, rows: int, backend: str) -> dict[str, object]:
    command = [
        sys.executable,
        __file__,
        "--one",
        kind,
        "--rows",
        str(rows),
        "--backends",
        backend,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def table_row(label: str, backend: str, rows: int, result: dict[str, object]) -> str:
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    return (
        f"| {label} | {backend} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | "
        f"{result['cpu_seconds']} | {result['peak_mib']} | {result['peak_child_mib']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument(
        "--measurements",
        nargs="+",
        choices=MEASUREMENTS,
        default=list(MEASUREMENTS),
        help="which measurements to run (default: all)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.rows[0], args.backends[0])))
        return

    cores = len(os.sched_getaffinity(0))
    single = measure_in_child("single-hash", 1, "none")
    wall_hash = float(single["seconds"])  # type: ignore[arg-type]
    cpu_hash = float(single["cpu_per_hash"])  # type: ignore[arg-type]
    print(f"machine: {cores} cores, {cpu_model()}; load average {os.getloadavg()}")
    print(
        f"one argon2id hash: {wall_hash * 1e3:.1f} ms wall, {cpu_hash * 1e3:.1f} ms CPU"
    )
    print(TABLE_HEADER)
    for rows in args.rows:
        if "hashing" in args.measurements:
            hashing = measure_in_child("hashing", rows, "none")
            print(table_row("hashing only", "-", rows, hashing), flush=True)
        for backend in args.backends:
            if "import" in args.measurements:
                result = measure_in_child("import", rows, backend)
                print(table_row("import", backend, rows, result), flush=True)
                goals = (rows * wall_hash / cores, rows * cpu_hash)
                print(phase_note(backend, rows, result, goals), flush=True)
            if "core-insert" in args.measurements:
                core = measure_in_child("core-insert", rows, backend)
                print(table_row("Core bulk insert", backend, rows, core), flush=True)
    print(f"load average at the end: {os.getloadavg()}")


TABLE_HEADER = (
    "| measurement | database | rows | wall s | rows/s | CPU s | peak MiB "
    "| peak child MiB |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
)


def phase_note(
    backend: str, rows: int, result: dict[str, object], goals: tuple[float, float]
) -> str:
    """Return one import's phases and its ratios to the hashing-only goals.

    goals: rows x wall time of one hash / cores, and rows x CPU time of one hash.
    """
    seconds = {key: float(value) for key, value in result.items()}  # type: ignore[arg-type]
    wall_goal, cpu_goal = goals
    return (
        f"<!-- import {backend} {rows}: "
        f"read+plan {seconds['read_plan_seconds']:.1f} s, "
        f"hashing {seconds['hash_seconds']:.1f} s, "
        f"write+commit {seconds['write_seconds']:.1f} s; "
        f"wall {seconds['seconds']:.1f} s against {wall_goal:.1f} s "
        f"({seconds['seconds'] / wall_goal:.2f}x); "
        f"CPU {seconds['cpu_seconds']:.1f} s against {cpu_goal:.1f} s "
        f"({seconds['cpu_seconds'] / cpu_goal:.2f}x) -->"
    )


if __name__ == "__main__":
    main()
