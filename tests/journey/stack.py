"""The production stack of the journey test, started as subprocesses.

gunicorn serves the app with ``deploy/gunicorn.conf.py`` on a database of
its own on the PostgreSQL test server, and ``laurel-printing worker``
renders print jobs from the same Redis into the same storage folder.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
WEB_WORKERS = 2
# Hang guards, far above the seconds that starting and stopping take.
START_TIMEOUT = 90
STOP_TIMEOUT = 60


@dataclass
class Stack:
    """The running web server and printing worker, and where they write."""

    base_url: str
    environment: dict[str, str]
    logs: Path
    gunicorn: subprocess.Popen
    worker: subprocess.Popen

    def assert_running(self) -> None:
        for name, process in (("gunicorn", self.gunicorn), ("worker", self.worker)):
            assert process.poll() is None, (
                f"{name} exited with {process.returncode}; see {self.logs}"
            )


@contextmanager
def server_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server at ``server_url`` and yield its URL."""
    name = f"laurel_journey_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.engine.make_url(server_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        engine.dispose()


def stack_environment(database_url: str, redis_url: str, root: Path) -> dict[str, str]:
    """Return the environment of every process: this one's without its LAUREL_*."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("LAUREL_")
    }
    environment.update(
        LAUREL_DATABASE_URL=database_url,
        LAUREL_REDIS_URL=redis_url,
        LAUREL_INSTANCE_PATH=str(root / "instance"),
        LAUREL_STORAGE_PATH=str(root / "storage"),
        LAUREL_SECRET_KEY=secrets.token_hex(32),
        PATH=f"{BIN}{os.pathsep}{environment.get('PATH', '')}",
    )
    return environment


def run_laurel(
    environment: dict[str, str], *args: str, stdin: str | None = None
) -> str:
    """Run a ``laurel`` command in ``environment`` and return its stdout."""
    result = subprocess.run(
        [str(BIN / "laurel"), *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, f"laurel {' '.join(args)}: {result.stderr}"
    return result.stdout


@contextmanager
def running_stack(
    environment: dict[str, str], port: int, logs: Path
) -> Iterator[Stack]:
    """Start gunicorn and the printing worker, and stop both on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{port}"
    with (
        started(gunicorn_command(port), environment, logs / "gunicorn.log") as web,
        started(worker_command(environment), environment, logs / "worker.log") as rq,
    ):
        wait_until_up(base_url, web, logs / "gunicorn.log")
        yield Stack(base_url, environment, logs, web, rq)


def gunicorn_command(port: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "-c",
        str(GUNICORN_CONFIG),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WEB_WORKERS),
    ]


def worker_command(environment: dict[str, str]) -> list[str]:
    return [
        str(BIN / "laurel-printing"),
        "worker",
        "--redis-url",
        environment["LAUREL_REDIS_URL"],
        "--storage-path",
        environment["LAUREL_STORAGE_PATH"],
    ]


@contextmanager
def started(
    command: list[str], environment: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen]:
    """Run ``command`` with its output in ``log_path``, and terminate it on exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_up(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}: {tail(log_path)}")
        try:
            if requests.get(f"{base_url}/readyz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn was not ready within {START_TIMEOUT}s: {tail(log_path)}")


def tail(path: Path, size: int = 3000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-size:]
