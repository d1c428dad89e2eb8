"""Print-job rows follow RQ, survive a flushed Redis, and the sweeper revives jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.printing import dispatch, services, tracking
from laurel.printing.models import PrintJob, PrintStatus
from tests.print_jobs.conftest import download


@pytest.fixture
def app_config(app_config, redis_url):  # noqa: ANN001, ANN201 - extends the root fixture
    app_config["REDIS_URL"] = redis_url
    return app_config


@pytest.fixture
def redis(redis_url: str) -> Redis:
    return Redis.from_url(redis_url)


@pytest.fixture
def run_worker(app, redis, monkeypatch):  # noqa: ANN001, ANN201
    """Run the queued jobs in this process with RQ's SimpleWorker, then return."""
    monkeypatch.setenv("LAUREL_STORAGE_PATH", app.config["LAUREL_STORAGE_PATH"])

    def run() -> None:
        queue = Queue(dispatch.QUEUE_NAME, connection=redis)
        SimpleWorker([queue], connection=redis).work(burst=True)

    return run


@pytest.fixture
def queued_job(app, school, make_credential):  # noqa: ANN001, ANN201
    """Request a print of one credential, committed and so queued in Redis."""
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        db.session.commit()
    return job


def age(job: PrintJob, seconds: int) -> None:
    """Move the job's hand-over back by ``seconds``, as if it had waited that long."""
    job.enqueued_at = utcnow() - timedelta(seconds=seconds)
    job.created_at = job.enqueued_at
    db.session.commit()


def test_finished_job_copied_to_row(
    client, login, school, queued_job, run_worker
) -> None:  # noqa: ANN001
    run_worker()
    login(school.instructor)
    page = client.get(f"/print-jobs/{queued_job.job_id}").get_data(as_text=True)
    assert queued_job.status is PrintStatus.DONE, queued_job.error
    merged = queued_job.output("merged")
    assert merged["key"] == f"{queued_job.output_key}/credentials.pdf"
    assert merged["pages"] == 1
    assert len(merged["sha256"]) == 64
    assert queued_job.progress_done == queued_job.progress_total == 1
    assert f"/print-jobs/{queued_job.job_id}/files/merged" in page


def test_status_survives_flushed_redis(
    client, login, redis, school, queued_job, run_worker
) -> None:  # noqa: ANN001
    run_worker()
    login(school.instructor)
    client.get(f"/print-jobs/{queued_job.job_id}")
    redis.flushdb()
    page = client.get(f"/print-jobs/{queued_job.job_id}").get_data(as_text=True)
    assert queued_job.status is PrintStatus.DONE
    assert "Redis no longer has this job" not in page
    assert f"/print-jobs/{queued_job.job_id}/files/merged" in page
    merged = download(client, f"/print-jobs/{queued_job.job_id}/files/merged")
    assert merged.status_code == 200


def test_lost_pending_job_is_reported(client, login, redis, school, queued_job) -> None:  # noqa: ANN001
    redis.flushdb()
    login(school.instructor)
    page = client.get(f"/print-jobs/{queued_job.job_id}").get_data(as_text=True)
    assert queued_job.status is PrintStatus.PENDING
    assert "Redis no longer has this job" in page
    assert 'http-equiv="refresh"' in page


def test_unreachable_redis_is_reported(app, client, login, school, queued_job) -> None:  # noqa: ANN001
    app.config["LAUREL_REDIS_URL"] = "redis://127.0.0.1:9/0"
    app.extensions.pop(dispatch.REDIS_KEY, None)
    login(school.instructor)
    response = client.get(f"/print-jobs/{queued_job.job_id}")
    assert response.status_code == 200
    assert "Redis cannot be reached" in response.get_data(as_text=True)


def test_progress_read_from_meta(client, login, redis, school, queued_job) -> None:  # noqa: ANN001
    rq_job = Job.fetch(queued_job.job_id, connection=redis)
    rq_job.set_status(JobStatus.STARTED)
    rq_job.meta["progress"] = {"done": 0, "total": 1}
    rq_job.save_meta()
    login(school.instructor)
    page = client.get(f"/print-jobs/{queued_job.job_id}").get_data(as_text=True)
    assert queued_job.status is PrintStatus.RUNNING
    assert "Rendered 0 of 1" in page
    assert '<progress id="print-progress" max="1" value="0">' in page


def test_failed_job_shows_error(
    app, client, login, school, make_credential, run_worker
) -> None:  # noqa: ANN001
    learner = school.learners[0]
    learner.first_name = "Ada \U0001f9ea"
    db.session.commit()
    credential = make_credential(learner)
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        db.session.commit()
    run_worker()
    login(school.instructor)
    page = client.get(f"/print-jobs/{job.job_id}").get_data(as_text=True)
    assert job.status is PrintStatus.FAILED
    assert "MissingGlyphsError" in job.error
    assert "no installed font covers" in page


def test_login_sheet_payload_leaves_redis(
    app, client, login, redis, school, run_worker
) -> None:  # noqa: ANN001
    rows = [
        {
            "name": "Zoë Martin",
            "email": "zoe@example.org",
            "password": "tulip-9-harbour",
        }
    ]
    with app.test_request_context():
        job = services.request_login_sheet(school.org, rows, school.instructor)
        db.session.commit()
    rq_job = Job.fetch(job.job_id, connection=redis)
    assert rq_job.func_name == "laurel_printing.jobs.render_login_sheet"
    assert rq_job.args[0]["rows"] == rows
    assert rq_job.result_ttl == 15 * 60
    assert rq_job.failure_ttl == 15 * 60
    run_worker()
    login(school.instructor)
    client.get(f"/print-jobs/{job.job_id}")
    assert job.status is PrintStatus.DONE, job.error
    assert job.output("login_sheet")["pages"] == 1
    assert not Job.exists(job.job_id, connection=redis)


def test_sweeper_requeues_lost_job(app, redis, queued_job) -> None:  # noqa: ANN001
    redis.flushdb()
    age(queued_job, tracking.DEFAULT_STALE_SECONDS + 1)
    result = app.test_cli_runner().invoke(args=["print-jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert f"dispatched again: {queued_job.job_id}" in result.output
    rq_job = Job.fetch(queued_job.job_id, connection=redis)
    payload = rq_job.args[0]
    assert payload["job_id"] == queued_job.job_id
    assert payload["output_key"] == queued_job.output_key
    assert queued_job.dispatch_count == 2
    assert queued_job.status is PrintStatus.PENDING


def test_sweeper_leaves_recent_job(app, redis, queued_job) -> None:  # noqa: ANN001
    redis.flushdb()
    report = tracking.sweep()
    assert report.checked == 1
    assert report.redispatched == []
    assert not Job.exists(queued_job.job_id, connection=redis)


def test_sweeper_leaves_queued_job(app, redis, queued_job) -> None:  # noqa: ANN001
    age(queued_job, tracking.DEFAULT_STALE_SECONDS + 1)
    report = tracking.sweep()
    assert report.redispatched == []
    assert Queue(dispatch.QUEUE_NAME, connection=redis).job_ids == [queued_job.job_id]


def test_sweeper_requeues_silent_worker(app, redis, queued_job) -> None:  # noqa: ANN001
    rq_job = Job.fetch(queued_job.job_id, connection=redis)
    Queue(dispatch.QUEUE_NAME, connection=redis).remove(rq_job)
    rq_job.set_status(JobStatus.STARTED)
    old = utcnow() - timedelta(seconds=tracking.HEARTBEAT_GRACE_SECONDS + 60)
    rq_job.heartbeat(old.replace(tzinfo=None), ttl=600)
    age(queued_job, tracking.DEFAULT_STALE_SECONDS + 1)
    report = tracking.sweep()
    assert report.redispatched == [queued_job.job_id]
    again = Job.fetch(queued_job.job_id, connection=redis)
    assert again.get_status() == JobStatus.QUEUED
    assert Queue(dispatch.QUEUE_NAME, connection=redis).job_ids == [queued_job.job_id]


def test_sweeper_fails_lost_login_sheet(app, redis, school) -> None:  # noqa: ANN001
    rows = [
        {
            "name": "Zoë Martin",
            "email": "zoe@example.org",
            "password": "tulip-9-harbour",
        }
    ]
    with app.test_request_context():
        job = services.request_login_sheet(school.org, rows, school.instructor)
        db.session.commit()
    redis.flushdb()
    age(job, tracking.DEFAULT_STALE_SECONDS + 1)
    report = tracking.sweep()
    assert report.failed == [job.job_id]
    assert job.status is PrintStatus.FAILED
    assert "passwords are not stored" in job.error
    assert not Job.exists(job.job_id, connection=redis)


def test_job_page_sweeps_stale_job(client, login, redis, school, queued_job) -> None:  # noqa: ANN001
    redis.flushdb()
    age(queued_job, tracking.DEFAULT_STALE_SECONDS + 1)
    login(school.instructor)
    page = client.get(f"/print-jobs/{queued_job.job_id}").get_data(as_text=True)
    assert "it was queued again with the same id" in page
    assert Job.exists(queued_job.job_id, connection=redis)
    assert db.session.scalars(select(PrintJob)).one().dispatch_count == 2


def test_stale_setting_is_read(app, redis, queued_job) -> None:  # noqa: ANN001
    app.config["LAUREL_PRINT_STALE_SECONDS"] = "30"
    redis.flushdb()
    age(queued_job, 31)
    assert tracking.sweep().redispatched == [queued_job.job_id]
