"""End to end on real Redis with real ``laurel-printing worker`` processes."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from laurel_printing.jobs import QUEUE_NAME
from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus

from . import pdfcheck

WORKER = [sys.executable, "-m", "laurel_printing.cli"]
# Hang guard for waiting loops, far above the seconds these jobs need.
WAIT_SECONDS = 300
FOLDER = "print-jobs/8b0c0c9e"


def _start_worker(redis_url: str, storage_root: Path, log: Path, *options: str):
    command = [
        *WORKER,
        "worker",
        "--redis-url",
        redis_url,
        "--storage-path",
        str(storage_root),
    ]
    with log.open("ab") as output:
        return subprocess.Popen([*command, *options], stdout=output, stderr=output)


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _wait_exit(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail("worker did not exit")


def _enqueue(redis_url: str, function: str, payload: dict, retry_max: int = 2) -> Job:
    queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
    return queue.enqueue(
        f"laurel_printing.jobs.{function}",
        payload,
        job_timeout=600,
        retry=Retry(max=retry_max),
        description=f"{function} {payload['job_id']}",
    )


def _check_outputs(storage_root: Path, credentials: list[dict]) -> None:
    files = sorted(path.name for path in (storage_root / FOLDER).iterdir())
    assert files == ["credentials.pdf", "credentials.zip", "manifest.csv"]
    merged = (storage_root / FOLDER / "credentials.pdf").read_bytes()
    texts = pdfcheck.page_texts(merged)
    assert len(texts) == len(credentials)
    for credential, text in zip(credentials, texts, strict=True):
        assert credential["short_code"] in text
        if credential["learner_name"][0].isascii() or "Ζ" in credential["learner_name"]:
            assert credential["learner_name"] in text
    with zipfile.ZipFile(storage_root / FOLDER / "credentials.zip") as archive:
        names = archive.namelist()
        assert names == [f"{c['short_code']}.pdf" for c in credentials]
        for name in names:
            assert len(pdfcheck.page_texts(archive.read(name))) == 1
    manifest = (storage_root / FOLDER / "manifest.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert [row["code"] for row in rows] == [c["short_code"] for c in credentials]
    assert [row["name"] for row in rows] == [c["learner_name"] for c in credentials]


def test_worker_prints_thirty_credentials(
    redis_url, storage_root, tmp_path, make_credentials_payload
) -> None:
    payload = make_credentials_payload(30)
    job = _enqueue(redis_url, "render_credentials", payload)
    log = tmp_path / "worker.log"
    worker = _start_worker(redis_url, storage_root, log, "--burst")
    assert _wait_exit(worker) == 0
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    result = job.return_value()
    assert result["count"] == 30
    assert [entry["pages"] for entry in result["files"]] == [30, 30, 0]
    assert job.meta["progress"] == {"done": 30, "total": 30}
    _check_outputs(storage_root, payload["credentials"])
    output = log.read_text()
    assert "started (pid" in output
    assert "stopped" in output


def test_bad_payload_fails_without_retry(
    redis_url, storage_root, tmp_path, make_credentials_payload
) -> None:
    payload = make_credentials_payload(1)
    payload["credentials"][0]["nickname"] = "Zo"
    job = _enqueue(redis_url, "render_credentials", payload)
    log = tmp_path / "worker.log"
    assert _wait_exit(_start_worker(redis_url, storage_root, log, "--burst")) == 0
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "credentials.0.nickname: Unknown field." in job.latest_result().exc_string
    assert job.retries_left == 0
    assert (
        f"job {job.id} (laurel_printing.jobs.render_credentials) failed"
        in log.read_text()
    )


def test_login_sheet_job_never_logs_passwords(
    redis_url, storage_root, tmp_path, make_login_sheet_payload
) -> None:
    payload = make_login_sheet_payload(40)
    job = _enqueue(redis_url, "render_login_sheet", payload)
    log = tmp_path / "worker.log"
    assert _wait_exit(_start_worker(redis_url, storage_root, log, "--burst")) == 0
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value()["files"][0]["kind"] == "login_sheet"
    output = log.read_text()
    assert "login sheet of 40 rows" in output
    assert "Harbour" not in output


def _work_horse(worker_pid: int) -> int:
    # The worker's children are the RQ scheduler and the work horse; only the
    # work horse leads its own process group (RQ calls os.setpgrp in it).
    path = Path(f"/proc/{worker_pid}/task/{worker_pid}/children")
    children = [int(child) for child in path.read_text().split()]
    [horse] = [child for child in children if os.getpgid(child) == child]
    return horse


def test_killed_work_horse_is_retried(
    redis_url, storage_root, tmp_path, make_credentials_payload
) -> None:
    payload = make_credentials_payload(90)
    job = _enqueue(redis_url, "render_credentials", payload)
    log = tmp_path / "worker.log"
    first = _start_worker(redis_url, storage_root, log, "--max-jobs", "1")
    try:

        def layout_started() -> bool:
            job.refresh()
            return job.meta.get("progress", {}).get("done", 0) >= 3

        _wait_for(layout_started, "the group render to start laying out pages")
        os.kill(_work_horse(first.pid), signal.SIGKILL)
        assert job.meta["progress"]["done"] < job.meta["progress"]["total"]
        # The first worker requeues the job, then exits after its one job.
        assert _wait_exit(first) == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    job.refresh()
    assert job.get_status() == JobStatus.QUEUED
    assert job.retries_left == 1
    assert "ended with wait status" in log.read_text()

    second = _start_worker(redis_url, storage_root, log, "--burst")
    assert _wait_exit(second) == 0
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value()["count"] == 90
    _check_outputs(storage_root, payload["credentials"])
