"""Fixtures of the print-job tests: a school, credentials, waiting for jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from laurel.credentials.models import Credential
from laurel.credentials.services import new_public_id, unused_code
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.printing import dispatch

SUITE_KEY = "workplace_readiness"
SUITE_TITLE = "Workplace Readiness"
AREAS = [
    {"key": "communication", "title": "Communication", "score": 90},
    {"key": "teamwork", "title": "Teamwork", "score": 85},
]
# Hang guard for in-process jobs, far above the seconds they need.
JOB_WAIT_SECONDS = 300


@dataclass
class School:
    org: Organisation
    admin: User
    instructor: User
    learners: list[User]


@pytest.fixture
def make_school(make_org, make_user) -> Callable[..., School]:  # noqa: ANN001
    def make(
        names: list[tuple[str, str]] | None = None, slug: str | None = None
    ) -> School:
        org = make_org(slug)
        names = names or [("Ada", "Lovelace"), ("Zoë", "Martin")]
        learners = [
            make_user(org, Role.LEARNER, first_name=first, last_name=last)
            for first, last in names
        ]
        return School(
            org=org,
            admin=make_user(org, Role.ORG_ADMIN, first_name="Olive", last_name="Admin"),
            instructor=make_user(
                org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor"
            ),
            learners=learners,
        )

    return make


@pytest.fixture
def school(make_school) -> School:  # noqa: ANN001
    return make_school()


def build_credential(
    learner: User,
    *,
    suite_key: str = SUITE_KEY,
    suite_title: str = SUITE_TITLE,
    revoked_at: datetime | None = None,
    areas: list[dict[str, Any]] | None = None,
) -> Credential:
    """Add a credential row for ``learner`` directly, as if issued, and commit."""
    credential = Credential(
        public_id=new_public_id(),
        code=unused_code(),
        org_id=learner.org_id,
        learner_id=learner.id,
        suite_key=suite_key,
        suite_version="1",
        suite_title=suite_title,
        learner_name=learner.full_name,
        org_name=learner.organisation.name,
        issued_at=datetime(2026, 12, 4, 10, 30),
        areas=AREAS if areas is None else areas,
        signer_name="Dana Smith",
        revoked_at=revoked_at,
    )
    db.session.add(credential)
    db.session.commit()
    return credential


@pytest.fixture
def make_credential(app) -> Callable[..., Credential]:  # noqa: ANN001
    return build_credential


@dataclass
class Download:
    status_code: int
    mimetype: str | None
    headers: dict[str, str]
    data: bytes

    def text(self) -> str:
        return self.data.decode("utf-8")


def download(client: Any, url: str) -> Download:
    """GET ``url`` and close the response, which send_file backs with an open file."""
    with client.get(url) as response:
        return Download(
            response.status_code,
            response.mimetype,
            dict(response.headers),
            response.data,
        )


@pytest.fixture
def wait_for_jobs(app) -> Callable[[], None]:  # noqa: ANN001
    """Wait for in-process print jobs, then expire the session to reread rows."""

    def wait() -> None:
        assert dispatch.wait_for_threads(JOB_WAIT_SECONDS), "an in-process job hung"
        db.session.expire_all()

    yield wait
    dispatch.wait_for_threads(JOB_WAIT_SECONDS)
