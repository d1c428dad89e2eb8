"""Fixtures for assignment tests: an organisation with staff and learners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.registry import hooks
from laurel.plugins.suites import Suite

from tests.assignments.helpers import grant, real_suite

STARTING_CREDITS = 100


@dataclass
class School:
    org: Organisation
    admin: User
    instructor: User
    learners: list[User]


@pytest.fixture
def suite(app) -> Suite:  # noqa: ANN001 - the app fixture
    return real_suite()


@pytest.fixture
def make_school(make_org, make_user) -> Callable[..., School]:  # noqa: ANN001
    def make(learners: int = 2, slug: str | None = None) -> School:
        org = make_org(slug)
        return School(
            org=org,
            admin=make_user(org, Role.ORG_ADMIN, first_name="Olive"),
            instructor=make_user(
                org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor"
            ),
            learners=[make_user(org, Role.LEARNER) for _ in range(learners)],
        )

    return make


@pytest.fixture
def school(make_school) -> School:  # noqa: ANN001
    """An organisation with 100 credits when the credits plugin is loaded."""
    created = make_school()
    if hooks().laurel_balance(org_id=created.org.id) is not None:
        grant(created.org.id, STARTING_CREDITS)
    return created
