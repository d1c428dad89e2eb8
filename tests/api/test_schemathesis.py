"""Schemathesis against the OpenAPI document: no server error, no response off-schema.

Every operation gets 100 generated requests with valid data and 50 with
invalid data, all with a valid org admin token, through the app as a WSGI
callable. ``call_and_validate`` runs schemathesis's default checks: no 5xx,
documented status codes, content types and response schemas, invalid data
rejected with 4xx, valid data not rejected with 400 or 422, and requests
without the token rejected. SQLite only; the other API tests also run on
PostgreSQL.

NOTE: this drives Hypothesis directly with ``operation.as_strategy()``:
schemathesis 4.32's own pytest integration (``@schema.parametrize()``)
fails on pytest 9.2 with "'Function' object has no attribute '_nodeid'".
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from schemathesis.config import SchemathesisConfig

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.rosters import services as rosters

checks.load_all_checks()
# A file that fits the schema may still be no class list (a PNG, say), which
# the upload rejects with 422, so valid-looking uploads may be rejected.
EXCLUDED_CHECKS = {"POST /api/v1/roster-imports": [checks.positive_data_acceptance]}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Requests per operation and generation mode. Invalid requests get fewer,
# because most of them fail the same early check.
EXAMPLES = {GenerationMode.POSITIVE: 100, GenerationMode.NEGATIVE: 50}


def isolated(app: Flask) -> WsgiApp:
    """Run each request in an empty context, so it gets its own app context.

    The ``app`` fixture keeps an app context pushed, which Flask would
    otherwise share with every request, ``g`` and database session included.
    """

    def call(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return contextvars.Context().run(app, environ, start_response)

    return call


def seed_organisation(make_org: Any, make_user: Any) -> Any:
    """Give the token's organisation learners and groups with low ids to hit."""
    org = make_org()
    learners = [make_user(org, Role.LEARNER) for _ in range(3)]
    for name in ("Reds", "Blues"):
        group = rosters.create_group(org.id, name, actor_id=None)
        rosters.add_members(group, [user.id for user in learners], actor_id=None)
    db.session.commit()
    return org


def run_examples(operation: Any, mode: GenerationMode) -> int:
    """Send generated requests for one operation; return how many were sent."""
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def send(case: Any) -> None:
        nonlocal calls
        calls += 1
        case.call_and_validate(excluded_checks=EXCLUDED_CHECKS.get(operation.label))

    send()
    return calls


@pytest.mark.backends("sqlite")
def test_api_matches_openapi(app, make_org, make_user, make_token) -> None:  # noqa: ANN001
    secret = make_token(seed_organisation(make_org, make_user), Role.ORG_ADMIN)
    config = SchemathesisConfig.from_dict(
        {"auth": {"openapi": {"bearerAuth": {"bearer": secret}}}}
    )
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", isolated(app), config=config
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 34
    failures = []
    for operation in operations:
        for mode in EXAMPLES:
            try:
                calls = run_examples(operation, mode)
            except (Exception, BaseExceptionGroup) as error:  # report every operation
                failures.append(f"{operation.label} ({mode.value}):\n{error}")
                continue
            if calls < EXAMPLES[mode]:
                failures.append(f"{operation.label} ({mode.value}): {calls} examples")
    assert not failures, "\n\n".join(failures)
