"""Every hook, called through the plugin manager with a real plugin.

The hook probe (tests/plugins/fixtures/test_plugins) implements each hook
and records its calls. ``HOOK_CASES`` has one test per hook spec, and
``test_every_hook_has_a_case`` fails when a new spec has none.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from laurel.extensions import db
from laurel.migrations_support import version_locations
from laurel.plugins import hookspecs, registry
from laurel.plugins.services import score_attempt

PROBE = "laurel_test_plugins.hook_probe"
LINES = [
    {
        "kind": "unit",
        "suite": "probe_suite",
        "unit": "probe_unit",
        "learner_id": 7,
        "credits": 3,
    },
    {
        "kind": "unit",
        "suite": "probe_suite",
        "unit": "probe_unit",
        "learner_id": 8,
        "credits": 3,
    },
]


def probe() -> Any:
    return importlib.import_module(PROBE)


def calls(hook: str) -> list[dict[str, Any]]:
    return [arguments for name, arguments in probe().CALLS if name == hook]


@pytest.fixture
def probe_app(test_plugins: Path, make_app: Callable[..., Flask]) -> Flask:
    return make_app("hook_probe,workplace_readiness")


def check_suites(app: Flask) -> None:
    results = registry.hooks().laurel_suites()
    keys = [declaration["key"] for result in results for declaration in result]
    assert "probe_suite" in keys
    assert "workplace_readiness" in keys
    assert calls("laurel_suites")
    assert registry.get_suite("probe_suite").plugin == "hook_probe"


def check_score_attempt(app: Flask) -> None:
    suite = registry.get_suite("probe_suite")
    unit = suite.units[0]
    scored = score_attempt(suite, unit, unit.questions[:2], {})
    assert (scored.score, scored.correct, scored.total) == (100, 2, 2)
    assert calls("laurel_score_attempt")[-1] == {
        "suite": "probe_suite",
        "unit": "probe_unit",
    }


def check_score_falls_through(app: Flask) -> None:
    suite = registry.get_suite("workplace_readiness")
    unit = suite.units[0]
    questions = unit.questions[:3]
    answers = {questions[0].id: questions[0].answer, questions[1].id: 9}
    scored = score_attempt(suite, unit, questions, answers)
    assert calls("laurel_score_attempt")[-1]["suite"] == "workplace_readiness"
    assert (scored.score, scored.correct, scored.total) == (33, 1, 3)


def check_balance(app: Flask) -> None:
    assert registry.hooks().laurel_balance(org_id=5) == 40
    assert calls("laurel_balance") == [{"org_id": 5}]


def check_quote(app: Flask) -> None:
    quote = registry.hooks().laurel_quote(org_id=5, lines=LINES)
    assert quote == {"total": 6, "balance": 40, "short": 0}
    assert calls("laurel_quote")[0]["lines"] == LINES


def check_charge(app: Flask) -> None:
    result = registry.hooks().laurel_charge(
        org_id=5, lines=LINES, idempotency_key="k1", actor_id=2, reason="assign"
    )
    assert result == {"charged": 6, "balance": 34, "entry_id": None, "replayed": False}
    assert calls("laurel_charge") == [{"org_id": 5, "key": "k1", "reason": "assign"}]


def check_refund(app: Flask) -> None:
    result = registry.hooks().laurel_refund(
        org_id=5, lines=LINES[:1], idempotency_key="k2", actor_id=None, reason="undo"
    )
    assert result == {"refunded": 3, "balance": 43, "entry_id": None, "replayed": False}
    assert calls("laurel_refund") == [{"org_id": 5, "key": "k2", "actor_id": None}]


def event_check(hook: str, argument: str) -> Callable[[Flask], None]:
    def check(app: Flask) -> None:
        row = SimpleNamespace(id=11)
        results = getattr(registry.hooks(), hook)(**{argument: row})
        assert results == []  # events return nothing
        assert calls(hook) == [{argument: row}]

    return check


def check_blueprints(app: Flask) -> None:
    assert calls("laurel_blueprints")
    assert "hook_probe" in app.blueprints
    response = app.test_client().get("/probe/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "probe page"


def check_cli_commands(app: Flask) -> None:
    assert calls("laurel_cli_commands")
    result = app.test_cli_runner().invoke(args=["probe-hello"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello from the probe\n"


def check_migration_dirs(app: Flask) -> None:
    folder = str(Path(probe().__file__).parent / "migrations")
    assert calls("laurel_migration_dirs")
    assert folder in version_locations(app)
    assert registry.hooks().laurel_migration_dirs() == [[folder]]


HOOK_CASES: dict[str, list[Callable[[Flask], None]]] = {
    "laurel_suites": [check_suites],
    "laurel_score_attempt": [check_score_attempt, check_score_falls_through],
    "laurel_balance": [check_balance],
    "laurel_quote": [check_quote],
    "laurel_charge": [check_charge],
    "laurel_refund": [check_refund],
    "laurel_attempt_finished": [event_check("laurel_attempt_finished", "attempt")],
    "laurel_unit_failed": [event_check("laurel_unit_failed", "assignment")],
    "laurel_credential_issued": [event_check("laurel_credential_issued", "credential")],
    "laurel_blueprints": [check_blueprints],
    "laurel_cli_commands": [check_cli_commands],
    "laurel_migration_dirs": [check_migration_dirs],
}
CASES = [(hook, check) for hook, checks in HOOK_CASES.items() for check in checks]


def test_every_hook_has_a_case() -> None:
    specs = {
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, "laurel_spec")
    }
    assert sorted(specs - set(HOOK_CASES)) == []
    assert sorted(set(HOOK_CASES) - specs) == []


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(("hook", "check"), CASES, ids=[c.__name__ for _, c in CASES])
def test_hook_through_probe(probe_app: Flask, hook: str, check: Callable) -> None:
    assert registry.state(probe_app).records["hook_probe"].loaded
    check(probe_app)


@pytest.mark.backends("sqlite")
def test_default_scorer_without_plugins(make_app: Callable[..., Flask]) -> None:
    make_app("workplace_readiness")
    suite = registry.get_suite("workplace_readiness")
    unit = suite.units[1]
    questions = unit.questions[:8]
    answers = {question.id: question.answer for question in questions[:5]}
    scored = score_attempt(suite, unit, questions, answers)
    assert (scored.score, scored.correct, scored.total) == (62, 5, 8)


@pytest.mark.backends("sqlite")
def test_probe_branch_migrates(
    test_plugins: Path, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    import flask_migrate

    app = make_app("hook_probe", DATABASE_URL=f"sqlite:///{tmp_path / 'probe.db'}")
    flask_migrate.upgrade(revision="heads")
    assert sa.inspect(db.engine).has_table("probe_rows")
    flask_migrate.downgrade(revision="hook_probe@-1")
    assert not sa.inspect(db.engine).has_table("probe_rows")
    assert sa.inspect(db.engine).has_table("plugin_settings")
    assert app.extensions["migrate"].directory.endswith("migrations")
