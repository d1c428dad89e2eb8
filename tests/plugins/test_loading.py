"""Loading plugins through entry points, and surviving broken ones."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from laurel.identity.models import Role
from laurel.plugins import registry
from laurel.plugins.services import list_plugins
from tests.plugins.conftest import create_account, sign_in

BROKEN = "broken_import,broken_declaration,misspelt_hook,unmarked_hook,bad_blueprints"

# The error each broken test plugin must be listed with.
EXPECTED_ERRORS = {
    "broken_import": "import failed: ModuleNotFoundError: No module named "
    "'laurel_test_plugins_missing_dependency'",
    "broken_declaration": "invalid suite declaration: suite broken_suite: "
    "units[0].draw: draws 12 questions from a pool of 1",
    "misspelt_hook": "PluginValidationError: unknown hook 'laurel_suite'",
    "unmarked_hook": "laurel_suites named like a hook but not marked with "
    "@laurel.plugins.hookimpl",
    "bad_blueprints": "laurel_blueprints: returned str, expected a list",
}


@pytest.mark.backends("sqlite")
def test_broken_plugins_marked_failed(
    test_plugins: Path, make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="laurel.plugins"):
        app = make_app(f"{BROKEN},workplace_readiness")
    records = registry.state(app).records
    for name, expected in EXPECTED_ERRORS.items():
        assert records[name].failed, name
        assert expected in records[name].error, records[name].error
        assert records[name].suites == []
        logged = [r.getMessage() for r in caplog.records if r.name.startswith("laurel")]
        assert any(f"plugin {name} failed: " in line for line in logged), name
    assert records["workplace_readiness"].error is None
    assert registry.get_suite("broken_suite") is None
    assert [s.key for s in registry.enabled_suites()] == ["workplace_readiness"]


@pytest.mark.backends("sqlite")
def test_failed_plugin_hooks_never_run(
    test_plugins: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app("broken_declaration,bad_blueprints")
    manager = registry.state(app).manager
    assert manager.get_plugin("broken_declaration") is None
    assert manager.get_plugin("bad_blueprints") is None
    assert registry.hooks().laurel_blueprints() == []


def test_app_serves_pages_with_broken_plugins(
    test_plugins: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app(f"{BROKEN},workplace_readiness")
    client = app.test_client()
    assert client.get("/login").status_code == 200
    sign_in(client, create_account(Role.PLATFORM_ADMIN))
    page = client.get("/admin/plugins")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in EXPECTED_ERRORS:
        assert f'id="plugin-{name}"' in body
    assert "No module named &#39;laurel_test_plugins_missing_dependency&#39;" in body
    assert "units[0].draw: draws 12 questions from a pool of 1" in body
    statuses = {plugin.name: plugin.status for plugin in list_plugins()}
    assert statuses["broken_import"] == "failed"
    assert statuses["workplace_readiness"] == "enabled"


@pytest.mark.backends("sqlite")
def test_suite_key_clash_fails_second(
    test_plugins: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app("hook_probe,suite_clash")
    records = registry.state(app).records
    assert records["hook_probe"].suites == ["probe_suite"]
    assert records["suite_clash"].failed
    assert "probe_suite: key already declared by plugin hook_probe" in (
        records["suite_clash"].error
    )
    assert registry.get_suite("probe_suite").plugin == "hook_probe"


@pytest.mark.backends("sqlite")
def test_plugins_setting_excludes_others(
    test_plugins: Path, make_app: Callable[..., Flask]
) -> None:
    app = make_app("workplace_readiness")
    records = registry.state(app).records
    assert records["workplace_readiness"].loaded
    assert records["hook_probe"].excluded
    assert records["broken_import"].excluded
    assert not records["broken_import"].failed
    assert "laurel_test_plugins.hook_probe" not in sys.modules
    statuses = {plugin.name: plugin.status for plugin in list_plugins()}
    assert statuses["hook_probe"] == "excluded"
    assert statuses["credits"] == "excluded"


@pytest.mark.backends("sqlite")
def test_plugins_environment_variable(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAUREL_PLUGINS", " credits , ")
    app = make_app(None)
    loaded = sorted(r.name for r in registry.state(app).records.values() if r.loaded)
    assert loaded == ["credits"]


@pytest.mark.backends("sqlite")
def test_empty_plugins_setting_loads_none(make_app: Callable[..., Flask]) -> None:
    app = make_app("")
    assert not [r for r in registry.state(app).records.values() if r.loaded]
    assert registry.state(app).manager.get_plugin("laurel.defaults") is not None
    assert registry.enabled_suites() == []


@pytest.mark.backends("sqlite")
def test_unknown_plugin_name_warns(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="laurel.plugins"):
        make_app("workplace_readiness,no_such_plugin")
    messages = [record.getMessage() for record in caplog.records]
    assert any("LAUREL_PLUGINS names no_such_plugin" in m for m in messages), messages
