"""Enabling and disabling plugins: the table, the CLI, the admin page."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.plugins import registry
from laurel.plugins.models import PluginSetting
from laurel.plugins.services import list_plugins, set_enabled
from tests.conftest import TEST_PASSWORD
from tests.plugins.conftest import create_account

WR = "workplace_readiness"


def cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["plugins", *args])


def statuses() -> dict[str, str]:
    return {plugin.name: plugin.status for plugin in list_plugins()}


# registry


def test_new_plugin_enabled_by_default(app: Flask) -> None:
    assert db.session.scalars(select(PluginSetting)).all() == []
    assert registry.is_enabled(WR)
    assert WR in [suite.key for suite in registry.enabled_suites()]
    assert registry.assignable_suite(WR).key == WR


def test_disabled_suite_not_assignable(app: Flask) -> None:
    assert set_enabled(WR, False, actor_id=None)
    db.session.commit()
    assert WR not in [suite.key for suite in registry.enabled_suites()]
    assert registry.get_suite(WR).key == WR  # assigned work stays readable
    with pytest.raises(registry.SuiteDisabled) as raised:
        registry.assignable_suite(WR)
    assert "Suite 'workplace_readiness' (Workplace Readiness) is disabled" in str(
        raised.value
    )
    assert "laurel plugins enable workplace_readiness" in str(raised.value)


def test_unknown_suite_not_assignable(app: Flask) -> None:
    with pytest.raises(registry.SuiteNotFound, match="key 'no_such_suite'"):
        registry.assignable_suite("no_such_suite")


def test_enable_restores_suite(app: Flask) -> None:
    set_enabled(WR, False, actor_id=None)
    assert set_enabled(WR, True, actor_id=None)
    assert not set_enabled(WR, True, actor_id=None)  # already enabled
    db.session.commit()
    assert registry.assignable_suite(WR).key == WR
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    assert list(actions) == ["plugin.disabled", "plugin.enabled"]


# laurel plugins


def test_cli_lists_plugins(app: Flask) -> None:
    result = cli(app)
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == [
        "NAME",
        "DISTRIBUTION",
        "VERSION",
        "SUITES",
        "UNITS",
        "STATUS",
    ]
    wr = next(row for row in rows if row.startswith(WR))
    assert wr.split()[1:] == [
        "laurel-workplace-readiness",
        "0.1.0",
        WR,
        "20",
        "enabled",
    ]


def test_cli_disable_and_enable(app: Flask) -> None:
    result = cli(app, "disable", WR)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Plugin workplace_readiness is disabled.\n"
    setting = db.session.get(PluginSetting, WR)
    assert setting.enabled is False
    assert setting.changed_by is None
    assert setting.changed_at is not None
    [listed] = [p for p in json.loads(cli(app, "--json").stdout) if p["name"] == WR]
    assert listed["status"] == "disabled"
    assert listed["changed_at"] == setting.changed_at.isoformat()
    assert cli(app, "enable", WR).stdout == "Plugin workplace_readiness is enabled.\n"
    assert (
        cli(app, "enable", WR).stdout
        == "Plugin workplace_readiness was already enabled.\n"
    )
    assert statuses()[WR] == "enabled"


def test_cli_rejects_unknown_name(app: Flask) -> None:
    result = cli(app, "disable", "workplace_readyness")
    assert result.exit_code == 1
    assert "No installed plugin is called 'workplace_readyness'" in result.output
    assert "credits" in result.output


def test_cli_rejects_disabling_suiteless_plugin(app: Flask) -> None:
    result = cli(app, "disable", "credits")
    assert result.exit_code == 1
    assert "declares no suites, so disabling it would change nothing" in result.output
    assert db.session.get(PluginSetting, "credits") is None


def laurel_command(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUREL_")}
    env.update(environment)
    laurel = Path(sys.executable).with_name("laurel")
    return subprocess.run(
        [str(laurel), *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.backends("sqlite")
def test_fresh_install_lists_suites(database_url: str, tmp_path: Path) -> None:
    """`laurel plugins --json` on a migrated, empty database, as after install."""
    done = laurel_command(
        "plugins", "--json",
        LAUREL_DATABASE_URL=database_url, LAUREL_INSTANCE_PATH=str(tmp_path / "i"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    plugins = {plugin["name"]: plugin for plugin in json.loads(done.stdout)}
    assert plugins[WR]["status"] == "enabled"
    assert plugins[WR]["units"] == 20
    assert plugins[WR]["suites"][0]["key"] == WR
    assert plugins["credits"]["status"] == "enabled"
    assert plugins["credits"]["error"] is None
    assert "not migrated" not in done.stderr


def test_unmigrated_database_lists_defaults(tmp_path: Path) -> None:
    done = laurel_command(
        "plugins", LAUREL_INSTANCE_PATH=str(tmp_path), LAUREL_PLUGINS=WR
    )
    assert done.returncode == 0, done.stderr
    assert "the database is not migrated yet (run `laurel db upgrade`)" in done.stderr
    [line] = [row for row in done.stdout.splitlines() if row.startswith(WR)]
    assert line.split()[-2:] == ["20", "enabled"]


def test_cli_shows_failed_plugin(test_plugins: Path, tmp_path: Path) -> None:
    done = laurel_command(
        "plugins",
        LAUREL_INSTANCE_PATH=str(tmp_path),
        LAUREL_PLUGINS="broken_declaration,workplace_readiness",
        PYTHONPATH=os.pathsep.join([str(test_plugins), *sys.path]),
    )
    assert done.returncode == 0, done.stderr
    [line] = [row for row in done.stdout.splitlines() if row.startswith("broken_decl")]
    assert "laurel-test-plugins" in line
    assert line.endswith(
        "failed: invalid suite declaration: suite broken_suite: units[0].draw: "
        "draws 12 questions from a pool of 1"
    )
    assert "plugin broken_declaration failed" in done.stderr


# the admin page


def test_admin_page_lists_plugins(app: Flask, client, make_user, login) -> None:
    login(make_user(None, Role.PLATFORM_ADMIN))
    body = client.get("/admin/plugins").get_data(as_text=True)
    assert 'id="plugin-workplace_readiness"' in body
    assert "Workplace Readiness" in body
    assert 'action="/admin/plugins/workplace_readiness/disable"' in body
    assert 'action="/admin/plugins/credits/disable"' not in body
    assert "No suites to withdraw" in body


def test_admin_disables_and_enables(app: Flask, client, make_user, login) -> None:
    admin = make_user(None, Role.PLATFORM_ADMIN)
    login(admin)
    response = client.post(
        "/admin/plugins/workplace_readiness/disable", follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "Plugin workplace_readiness is disabled" in body
    assert 'action="/admin/plugins/workplace_readiness/enable"' in body
    setting = db.session.get(PluginSetting, WR)
    assert setting.enabled is False
    assert setting.changed_by == admin.id
    assert f"by {admin.email}" in body
    client.post("/admin/plugins/workplace_readiness/enable")
    db.session.expire_all()
    assert db.session.get(PluginSetting, WR).enabled is True


def test_admin_unknown_plugin_404(app: Flask, client, make_user, login) -> None:
    login(make_user(None, Role.PLATFORM_ADMIN))
    assert client.post("/admin/plugins/nothing_here/disable").status_code == 404


def test_admin_suiteless_plugin_flashes(app: Flask, client, make_user, login) -> None:
    login(make_user(None, Role.PLATFORM_ADMIN))
    response = client.post("/admin/plugins/credits/disable", follow_redirects=True)
    assert "declares no suites" in response.get_data(as_text=True)
    assert db.session.get(PluginSetting, "credits") is None


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.INSTRUCTOR, Role.LEARNER])
def test_admin_page_only_platform_admins(
    app, client, make_org, make_user, login, role
) -> None:
    login(make_user(make_org(), role))
    assert client.get("/admin/plugins").status_code == 403
    assert client.post("/admin/plugins/workplace_readiness/disable").status_code == 403
    assert db.session.get(PluginSetting, WR) is None


def test_dashboard_sends_platform_admin_here(app, client, make_user, login) -> None:
    login(make_user(None, Role.PLATFORM_ADMIN))
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/plugins")


@pytest.mark.backends("sqlite")
def test_admin_post_needs_csrf_token(make_app: Callable[..., Flask]) -> None:
    app = make_app(None, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    admin = create_account(Role.PLATFORM_ADMIN)
    client.post(
        "/login",
        data={"email": admin.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert client.post("/admin/plugins/workplace_readiness/disable").status_code == 400
    assert db.session.get(PluginSetting, WR) is None
    page = client.get("/admin/plugins").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/admin/plugins/workplace_readiness/disable", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PluginSetting, WR).enabled is False


# migrations


@pytest.mark.backends("sqlite")
def test_plugins_branch_downgrades(app: Flask) -> None:
    import flask_migrate

    flask_migrate.downgrade(revision="plugins@-1")
    assert not sa.inspect(db.engine).has_table("plugin_settings")
    flask_migrate.upgrade(revision="heads")
    assert sa.inspect(db.engine).has_table("plugin_settings")


@pytest.mark.browser
@pytest.mark.backends("sqlite")
def test_admin_buttons_in_browser(live_server: str, page, make_user) -> None:
    """Disable and enable a suite by clicking, with CSRF on, in Chromium."""
    admin = make_user(None, Role.PLATFORM_ADMIN)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/plugins")
    row = page.locator("#plugin-workplace_readiness")
    row.get_by_role("button", name="Disable workplace_readiness").click()
    page.wait_for_selector("text=Plugin workplace_readiness is disabled")
    assert row.locator(".badge").inner_text() == "disabled"
    row.get_by_role("button", name="Enable workplace_readiness").click()
    page.wait_for_selector("text=Plugin workplace_readiness is enabled")
    assert row.locator(".badge").inner_text() == "enabled"
