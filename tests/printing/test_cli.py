"""The laurel-printing command: check and worker start-up errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from laurel_printing import diagnostics
from laurel_printing.worker import redact_url

COMMAND = [sys.executable, "-m", "laurel_printing.cli"]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_check_reports_harfbuzz_subset_in_use() -> None:
    completed = _run("check", "--json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    results = {item["name"]: item for item in json.loads(completed.stdout)}
    assert results["harfbuzz-subset"]["ok"] is True
    assert "libharfbuzz-subset loaded: yes" in results["harfbuzz-subset"]["detail"]
    assert results["font-files"]["ok"] is True
    assert results["fontconfig"]["ok"] is True


def test_weasyprint_subsets_with_harfbuzz() -> None:
    assert diagnostics.harfbuzz_subset_loaded() is True
    assert diagnostics.fonttools_fallback_seen() is False


def test_worker_reports_unreachable_redis(tmp_path) -> None:
    completed = _run(
        "worker",
        "--redis-url",
        "redis://127.0.0.1:1/0",
        "--storage-path",
        str(tmp_path),
    )
    assert completed.returncode == 2
    assert "cannot connect to Redis at redis://127.0.0.1:1/0" in completed.stderr


def test_worker_requires_storage_path() -> None:
    env = dict(os.environ)
    env.pop("LAUREL_STORAGE_PATH", None)
    completed = _run("worker", "--redis-url", "redis://127.0.0.1:1/0", env=env)
    assert completed.returncode == 2
    assert "pass --storage-path or set LAUREL_STORAGE_PATH" in completed.stderr


def test_redis_password_is_redacted() -> None:
    assert redact_url("redis://user:s3cret@127.0.0.1:6379/2") == (
        "redis://user:***@127.0.0.1:6379/2"
    )
    assert redact_url("redis://127.0.0.1:6379/2") == "redis://127.0.0.1:6379/2"
