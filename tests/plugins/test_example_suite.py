"""The example third-party suite: installed, discovered, enabled, assigned, scored."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from laurel.assignments import attempts, services
from laurel.assignments.models import UnitAssignment, UnitStatus
from laurel.assignments.selection import Selection
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError, create_organisation
from laurel.plugins import registry
from laurel.plugins.services import score_attempt, set_enabled
from tests.plugins.conftest import create_account

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "example_suite"
SUITE_KEY = "food_safety_basics"


def enabled_keys() -> list[str]:
    return [suite.key for suite in registry.enabled_suites()]


def test_installed_with_entry_point() -> None:
    distribution = importlib.metadata.distribution("laurel-example-suite")
    entry_points = [ep for ep in distribution.entry_points if ep.group == "laurel"]
    assert [(ep.name, ep.value) for ep in entry_points] == [
        ("example_suite", "laurel_example_suite.plugin")
    ]


@pytest.mark.backends("sqlite")
def test_discovered_and_enabled(app: Flask) -> None:
    record = registry.state().records["example_suite"]
    assert record.loaded
    assert record.distribution == "laurel-example-suite"
    assert record.version == "1.0.0"
    assert record.suites == [SUITE_KEY]
    assert SUITE_KEY in enabled_keys()


def test_enable_assign_and_score(make_app: Callable[..., Flask]) -> None:
    make_app("example_suite")  # no billing plugin, so nothing is charged
    org = create_organisation("example-org", "Example Org")
    instructor = create_account(Role.INSTRUCTOR, org)
    learner = create_account(Role.LEARNER, org)

    set_enabled("example_suite", False, actor_id=None)
    db.session.commit()
    assert SUITE_KEY not in enabled_keys()
    with pytest.raises(ValidationError, match="is not available"):
        services.parse_choice(
            registry.enabled_suites(), SUITE_KEY, "units", ["hygiene_check"], False
        )

    set_enabled("example_suite", True, actor_id=None)
    db.session.commit()
    choice = services.parse_choice(
        registry.enabled_suites(), SUITE_KEY, "units", ["hygiene_check"], False
    )
    token = services.new_request_token()
    selection = Selection(user_ids=(learner.id,))
    services.assign(org.id, instructor.id, choice, selection, token, None)
    db.session.commit()

    unit_row = db.session.scalar(
        select(UnitAssignment).where(UnitAssignment.learner_id == learner.id)
    )
    assert unit_row.unit_key == "hygiene_check"
    attempt = attempts.start_attempt(unit_row)
    suite = registry.get_suite(SUITE_KEY)
    drawn = attempts.questions_of(attempt, suite)
    assert len(drawn) == 2
    assert attempts.submit_attempt(attempt, {drawn[0].id: drawn[0].answer})
    db.session.commit()

    assert attempt.suite_version == "1.0.0"
    assert attempt.question_ids == [question.id for question in drawn]
    assert attempt.score == 50
    assert attempt.passed is False  # the example's pass mark is 60
    assert unit_row.status is UnitStatus.FAILED


@pytest.mark.backends("sqlite")
def test_scored_by_default_hook(make_app: Callable[..., Flask]) -> None:
    make_app("example_suite")
    suite = registry.get_suite(SUITE_KEY)
    unit = suite.unit("storage_lesson")
    answers = {question.id: question.answer for question in unit.questions}
    scored = score_attempt(suite, unit, unit.questions, answers)
    assert (scored.score, scored.correct, scored.total) == (100, 3, 3)


def test_vendor_tests_pass() -> None:
    """The example's own tests, run from its folder as a vendor would."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
