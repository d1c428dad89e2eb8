"""gunicorn with deploy/gunicorn.conf.py against PostgreSQL and Redis, over HTTP.

The test migrates a database of its own with ``laurel db upgrade``, starts
gunicorn on a free port of 127.0.0.1, logs in through the login form,
imports a class list through the import pages and reads a learner's page.
Then it checks gunicorn's access log and the app's log lines for request
ids, user ids and the absence of secrets.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import (
    free_port,
    postgres_reachable,
    postgres_server_url,
    require,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "gunicorn test password"
ROSTER = (
    "First name,Last name,Email,Student id,Group\n"
    "Amara,Okafor,amara.okafor@riverside.example,R-001,Year 9\n"
    "Bao,Nguyen,bao.nguyen@riverside.example,R-002,Year 9\n"
)
# Seconds to wait for gunicorn to respond on /healthz before the test fails.
START_TIMEOUT = 60
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def server_database() -> Iterator[str]:
    """Create an empty database on the test server; yield its URL."""
    server = postgres_server_url()
    require(postgres_reachable(server), f"PostgreSQL is not reachable at {server}")
    name = f"laurel_gunicorn_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server).set(database=name)
    yield url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def environment(server_database: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("LAUREL_")
    }
    env.update(
        LAUREL_DATABASE_URL=server_database,
        LAUREL_REDIS_URL=redis_url,
        LAUREL_INSTANCE_PATH=str(tmp_path / "instance"),
        LAUREL_STORAGE_PATH=str(tmp_path / "storage"),
        LAUREL_SECRET_KEY=secrets.token_hex(32),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def laurel(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(BIN / "laurel"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"laurel {' '.join(args)}: {result.stderr}"
    return result.stdout


@pytest.fixture
def gunicorn(
    environment: dict[str, str], tmp_path: Path
) -> Iterator[dict[str, object]]:
    """Migrate, add an organisation and an instructor, start gunicorn."""
    laurel(environment, "db", "upgrade")
    laurel(environment, "org", "create", "riverside", "--name", "Riverside College")
    laurel(
        environment,
        "user",
        "create",
        "teacher@riverside.example",
        "--org",
        "riverside",
        "--role",
        "instructor",
        "--first-name",
        "Tess",
        "--last-name",
        "Teacher",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    port = free_port()
    stdout = (tmp_path / "gunicorn.out").open("w")
    stderr = (tmp_path / "gunicorn.err").open("w")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "-c",
            str(ROOT / "deploy/gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        env=environment,
        cwd=tmp_path,
        stdout=stdout,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, tmp_path / "gunicorn.err")
        yield {
            "base": base,
            "out": tmp_path / "gunicorn.out",
            "err": tmp_path / "gunicorn.err",
        }
    finally:
        process.terminate()
        process.wait(timeout=30)
        stdout.close()
        stderr.close()


def wait_until_up(base: str, process: subprocess.Popen, errors: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"gunicorn exited with {process.returncode}: {errors.read_text()}"
            )
        try:
            requests.get(f"{base}/healthz", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    pytest.fail(
        f"gunicorn did not answer within {START_TIMEOUT}s: {errors.read_text()}"
    )


def csrf_token(response: requests.Response) -> str:
    match = CSRF_FIELD.search(response.text)
    assert match, f"no CSRF token on {response.url}"
    return match.group(1)


def log_in(session: requests.Session, base: str) -> requests.Response:
    form = session.get(f"{base}/login")
    return session.post(
        f"{base}/login",
        data={
            "email": "teacher@riverside.example",
            "password": PASSWORD,
            "csrf_token": csrf_token(form),
        },
    )


def import_roster(session: requests.Session, base: str) -> requests.Response:
    upload_page = session.get(f"{base}/learners/import")
    uploaded = session.post(
        f"{base}/learners/import",
        data={"csrf_token": csrf_token(upload_page), "mode": "add"},
        files={"file": ("year9.csv", ROSTER.encode(), "text/csv")},
    )
    assert uploaded.status_code == 200, uploaded.text[:500]
    assert "/learners/import/" in uploaded.url
    token = uploaded.url.rstrip("/").rsplit("/", 1)[1]
    return session.post(
        f"{base}/learners/import/{token}/commit",
        data={"csrf_token": csrf_token(uploaded), "mode": "add", "choice": "all"},
    )


@pytest.mark.backends("postgresql")
def test_gunicorn_serves_the_journey(gunicorn) -> None:
    base = str(gunicorn["base"])
    ready = requests.get(f"{base}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {
        "database": {"status": "ok"},
        "redis": {"status": "ok"},
        "migrations": {"status": "ok"},
    }

    session = requests.Session()
    logged_in = log_in(session, base)
    assert logged_in.status_code == 200
    assert logged_in.url.endswith("/learners")
    cookie = session.cookies.get("session")
    assert cookie

    result = import_roster(session, base)
    assert result.status_code == 200, result.text[:500]
    assert "/result" in result.url
    sheet = session.post(
        result.url.replace("/result", "/login-sheet"),
        data={"csrf_token": csrf_token(result)},
    )
    assert sheet.status_code == 200, sheet.text[:500]
    assert sheet.headers["Content-Disposition"].startswith("attachment")
    assert sheet.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in sheet.headers["Content-Security-Policy"]
    generated = [row["Password"] for row in csv.DictReader(io.StringIO(sheet.text))]
    assert len(generated) == 2
    listing = session.get(f"{base}/learners", params={"q": "okafor"})
    match = re.search(r'href="/learners/(\d+)"', listing.text)
    assert match, listing.text[:1000]
    learner_page = session.get(f"{base}/learners/{match.group(1)}")
    assert learner_page.status_code == 200
    assert "Amara" in learner_page.text
    assert "Okafor" in learner_page.text
    assert "Year 9" in learner_page.text
    assert "'unsafe-inline'" not in learner_page.headers["Content-Security-Policy"]
    page_request_id = learner_page.headers["X-Request-ID"]

    session.close()
    time.sleep(0.5)  # let gunicorn flush its log files
    access = Path(gunicorn["out"]).read_text() + Path(gunicorn["err"]).read_text()
    access_lines = [line for line in access.splitlines() if page_request_id in line]
    assert any(
        f'"GET /learners/{match.group(1)}" 200' in line
        and f"request_id={page_request_id}" in line
        for line in access_lines
    ), access[-2000:]
    app_lines = [line for line in access_lines if "laurel.ops.request_context" in line]
    assert len(app_lines) == 1, access_lines
    assert re.search(r"user=\d+ org=\d+\]", app_lines[0]), app_lines[0]
    assert "q=okafor" not in access
    assert PASSWORD not in access
    assert generated and all(password not in access for password in generated)
    assert cookie not in access
