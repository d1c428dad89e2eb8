"""Fixtures of the printing service tests: payload factories, storage, Redis.

The Redis tests use their own database number (LAUREL_TEST_REDIS_URL,
default db 14), flushed before and after each test. Without Redis they skip,
or fail when CI is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import RedisError

DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/14"
NAMES = (
    "Nguyễn Thị Hoa",
    "Zoë Martin",
    "Ζωή Παπαδοπούλου",
    "Дмитрий Шостакович",
    "محمد عبد الله",
    "שרה כהן",
    "王小明",
    "山田 花子",
    "김민준",
)
AREAS = (
    ("Communication", 90),
    ("Teamwork", 82.5),
    ("Problem solving", 77),
    ("Time management", 64),
)


def credential_data(number: int, **overrides) -> dict:
    """Return one valid credential of a render_credentials payload."""
    public_id = f"pub{number:04d}Xy"
    data = {
        "public_id": public_id,
        "short_code": f"LAU-{number:04d}-9PXM",
        "learner_name": NAMES[number % len(NAMES)],
        "learner_email": f"learner{number}@example.org",
        "organisation": "Riverside College",
        "suite_title": "Workplace Readiness",
        "issued_on": "2026-12-04",
        "areas": [{"title": title, "score": score} for title, score in AREAS],
        "signer": "Dana Smith",
        "verification_url": f"http://127.0.0.1:5000/verify/{public_id}",
    }
    data.update(overrides)
    return data


def credentials_payload(count: int, **overrides) -> dict:
    """Return a valid render_credentials payload with count credentials."""
    payload = {
        "job_id": "8b0c0c9e5f6a4b3c9d2e1f0a1b2c3d4e",
        "output_key": "print-jobs/8b0c0c9e",
        "layout": {"page_size": "A4"},
        "outputs": ["merged", "zip", "manifest"],
        "credentials": [credential_data(number) for number in range(count)],
    }
    payload.update(overrides)
    return payload


def login_sheet_payload(count: int, **overrides) -> dict:
    """Return a valid render_login_sheet payload with count rows."""
    payload = {
        "job_id": "5d1e0c9e5f6a4b3c9d2e1f0a1b2c3d4e",
        "output_key": "print-jobs/5d1e0c9e",
        "layout": {"page_size": "A4"},
        "organisation": "Riverside College",
        "login_url": "http://127.0.0.1:5000/login",
        "rows": [
            {
                "name": NAMES[number % len(NAMES)],
                "email": f"learner{number}@example.org",
                "password": f"kite-{number:03d}-Harbour",
            }
            for number in range(count)
        ],
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def make_credentials_payload() -> Callable[..., dict]:
    return credentials_payload


@pytest.fixture
def make_login_sheet_payload() -> Callable[..., dict]:
    return login_sheet_payload


@pytest.fixture
def storage_root(tmp_path: Path) -> Path:
    root = tmp_path / "storage"
    root.mkdir()
    return root


def require_service(available: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when CI is set."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Yield the test Redis URL, with its database flushed before and after."""
    url = os.environ.get("LAUREL_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as error:
        connection.close()
        require_service(False, f"Redis at {url} is unreachable: {error}")
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()
