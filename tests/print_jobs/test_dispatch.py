"""Handing jobs to RQ: after commit, by dotted name, never importing the service."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import select

from laurel.extensions import db
from laurel.printing import dispatch, services
from laurel.printing.models import PrintJob
from tests.conftest import TEST_PASSWORD

PLATFORM_PACKAGE = Path(__file__).resolve().parents[2] / "platform" / "laurel"


@pytest.fixture
def app_config(app_config, redis_url):  # noqa: ANN001, ANN201 - extends the root fixture
    app_config["REDIS_URL"] = redis_url
    return app_config


def queue(redis_url: str) -> Queue:
    return Queue(dispatch.QUEUE_NAME, connection=Redis.from_url(redis_url))


def test_enqueued_only_after_commit(app, redis_url, school, make_credential) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        assert queue(redis_url).count == 0
        db.session.commit()
    rq_job = Job.fetch(job.job_id, connection=Redis.from_url(redis_url))
    assert queue(redis_url).job_ids == [job.job_id]
    assert rq_job.func_name == "laurel_printing.jobs.render_credentials"
    payload = rq_job.args[0]
    assert payload["job_id"] == job.job_id
    assert payload["output_key"] == job.output_key
    assert [c["public_id"] for c in payload["credentials"]] == [credential.public_id]
    assert rq_job.timeout == dispatch.BASE_TIMEOUT_SECONDS
    assert rq_job.retries_left == dispatch.RETRY_MAX
    assert rq_job.retry_intervals == dispatch.RETRY_INTERVALS_SECONDS
    assert rq_job.result_ttl == 24 * 3600


def test_rollback_enqueues_nothing(app, redis_url, school, make_credential) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        services.request_single_print(credential, school.instructor)
    db.session.rollback()
    school.org.name = "Renamed after the rollback"
    db.session.commit()
    assert queue(redis_url).count == 0
    assert db.session.scalars(select(PrintJob)).all() == []


def test_group_timeout_grows_with_count(
    app, redis_url, make_school, make_credential
) -> None:  # noqa: ANN001
    names = [(f"Learner{number}", "Group") for number in range(10)]
    school = make_school(names)
    credentials = [make_credential(learner) for learner in school.learners]
    with app.test_request_context():
        job = services.request_credentials_print(
            school.org, credentials, school.instructor, "Ten"
        )
        db.session.commit()
    rq_job = Job.fetch(job.job_id, connection=Redis.from_url(redis_url))
    assert rq_job.timeout == dispatch.BASE_TIMEOUT_SECONDS + 2
    assert len(rq_job.args[0]["credentials"]) == 10


def test_print_page_enqueues_job(
    app, client, login, redis_url, school, make_credential
) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    login(school.instructor)
    response = client.post(f"/credentials/{credential.public_id}/print")
    job = db.session.scalars(select(PrintJob)).one()
    assert response.status_code == 302
    assert job.dispatch == "redis"
    assert job.rq_job_id == job.job_id
    assert queue(redis_url).job_ids == [job.job_id]
    page = client.get(f"/print-jobs/{job.job_id}").get_data(as_text=True)
    assert "Waiting for a printing worker: 0 jobs ahead in the queue." in page
    assert 'http-equiv="refresh"' in page


REQUEST_SCRIPT = """
import json, sys
from laurel import create_app
config = json.loads(sys.argv[1])
app = create_app(config)
client = app.test_client()
account = {"email": config["email"], "password": config["password"]}
login = client.post("/login", data=account)
response = client.post(config["url"])
loaded = sorted(name for name in sys.modules if name.startswith("laurel_printing"))
outcome = {"login": login.status_code, "print": response.status_code, "loaded": loaded}
print(json.dumps(outcome))
"""


def test_request_does_not_import_service(
    app, app_config, redis_url, school, make_credential, tmp_path
) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    config = {
        "DATABASE_URL": app_config["DATABASE_URL"],
        "INSTANCE_PATH": str(tmp_path / "subprocess-instance"),
        "STORAGE_PATH": app_config["STORAGE_PATH"],
        "SECRET_KEY": "subprocess secret",
        "REDIS_URL": redis_url,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "email": school.instructor.email,
        "password": TEST_PASSWORD,
        "url": f"/credentials/{credential.public_id}/print",
    }
    completed = subprocess.run(
        [sys.executable, "-c", REQUEST_SCRIPT, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["login"] == 302
    assert outcome["print"] == 302
    assert outcome["loaded"] == []
    assert queue(redis_url).count == 1


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_service() -> None:
    sources = sorted(PLATFORM_PACKAGE.rglob("*.py"))
    assert len(sources) > 20
    offenders = [
        str(path.relative_to(PLATFORM_PACKAGE))
        for path in sources
        if any(
            name.split(".")[0] == "laurel_printing" for name in imported_modules(path)
        )
    ]
    assert offenders == []


def test_unreachable_redis_noted_on_row(app, school, make_credential) -> None:  # noqa: ANN001
    app.config["LAUREL_REDIS_URL"] = "redis://127.0.0.1:9/0"
    app.extensions.pop(dispatch.REDIS_KEY, None)
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        db.session.commit()
    db.session.refresh(job)
    assert job.status.value == "pending"
    assert job.error.startswith("Could not queue the job because Redis is unreachable")
