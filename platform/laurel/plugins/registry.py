"""The app's plugin state: the manager, the load records and their suites.

``init_app`` runs once in ``create_app``: it loads the installed plugins
(``laurel.plugins.manager``), validates their suites and collects their
blueprints, commands and migration folders. A plugin that fails any step is
marked failed and unregistered, so none of its hooks run.

Whether a loaded plugin is enabled is data in the ``plugin_settings`` table,
read on every call, so a platform admin's change takes effect on every web
node at once. A plugin with no row is enabled.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import click
import pluggy
from flask import Blueprint, Flask, current_app
from marshmallow import ValidationError
from sqlalchemy import select

from laurel.extensions import db
from laurel.plugins.manager import (
    PluginError,
    PluginRecord,
    describe,
    load_entry_points,
    make_manager,
    mark_failed,
    plugin_implementations,
    register_checked,
)
from laurel.plugins.models import PluginSetting
from laurel.plugins.schemas import flatten_messages
from laurel.plugins.suites import Suite, build_suite

log = logging.getLogger(__name__)

EXTENSION_KEY = "laurel.plugins"
# What a plugin's code may raise without stopping the platform.
PLUGIN_ERRORS = (Exception, SystemExit)


class SuiteUnavailable(LookupError):
    """A suite that cannot be newly assigned. The message states why and what to do."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(message)


class SuiteNotFound(SuiteUnavailable):
    def __init__(self, key: str, installed: Iterable[str]) -> None:
        listed = ", ".join(sorted(installed)) or "none"
        super().__init__(
            key,
            f"No loaded plugin declares a suite with the key {key!r} (suites: "
            f"{listed}). `laurel plugins` lists installed plugins and their errors.",
        )


class SuiteDisabled(SuiteUnavailable):
    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        super().__init__(
            suite.key,
            f"Suite {suite.key!r} ({suite.title}) is disabled, so it cannot be "
            "newly assigned; work already assigned to it stays available. A "
            f"platform admin can enable its plugin {suite.plugin!r} on the "
            f"plugins page or with `laurel plugins enable {suite.plugin}`.",
        )


@dataclass
class PluginState:
    """Everything loaded from plugins for one app."""

    manager: pluggy.PluginManager
    records: dict[str, PluginRecord]
    suites: dict[str, Suite] = field(default_factory=dict)
    blueprints: dict[str, list[Blueprint]] = field(default_factory=dict)
    commands: dict[str, list[click.Command]] = field(default_factory=dict)
    migration_dirs: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, name: str, message: str, error: BaseException | None = None) -> None:
        """Mark a loaded plugin failed and forget everything it contributed."""
        record = self.records[name]
        mark_failed(self.manager, record, message, error)
        self.suites = {k: s for k, s in self.suites.items() if s.plugin != name}
        for contributions in (self.blueprints, self.commands, self.migration_dirs):
            contributions.pop(name, None)


def init_app(app: Flask) -> None:
    manager = make_manager()
    records = load_entry_points(manager, parse_allowed(app.config["LAUREL_PLUGINS"]))
    plugin_state = PluginState(manager, records)
    collect_suites(plugin_state)
    collect_extensions(plugin_state)
    taken = {name: "the core" for name in core_command_names(app)}
    reject_repeated_names(plugin_state, plugin_state.commands, "command", taken)
    app.extensions[EXTENSION_KEY] = plugin_state


def parse_allowed(value: str | list[str] | None) -> list[str] | None:
    """Turn ``LAUREL_PLUGINS`` ("a,b" or a list) into names. None allows all.

    An empty string allows none, so only the core's defaults load.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value)


# Loading


def collect_suites(plugin_state: PluginState) -> None:
    """Validate each plugin's suites and mark a plugin with an invalid one failed."""
    for name, function in plugin_implementations(plugin_state.manager, "laurel_suites"):
        try:
            declarations = function()
        except PLUGIN_ERRORS as error:  # a bug in a plugin must not stop the platform
            plugin_state.fail(name, f"laurel_suites raised {describe(error)}", error)
            continue
        try:
            suites = build_plugin_suites(name, declarations, plugin_state.suites)
        except ValidationError as error:
            lines = "; ".join(flatten_messages(error.messages))
            plugin_state.fail(name, f"invalid suite declaration: {lines}")
            continue
        plugin_state.suites.update((suite.key, suite) for suite in suites)
        if name in plugin_state.records:
            plugin_state.records[name].suites = [suite.key for suite in suites]


def build_plugin_suites(
    plugin: str, declarations: Any, known: dict[str, Suite]
) -> list[Suite]:
    """Build one plugin's suites, rejecting a key another plugin declared.

    Raises ValidationError whose messages start with "suite <key>: ".
    """
    if declarations is None:
        return []
    if not isinstance(declarations, list | tuple):
        raise ValidationError(
            f"laurel_suites returned {type(declarations).__name__}, "
            "expected a list of suite declarations"
        )
    suites: list[Suite] = []
    for index, declaration in enumerate(declarations):
        if not isinstance(declaration, dict):
            raise ValidationError(f"suite {index}: a declaration must be a dict")
        label = suite_label(index, declaration)
        try:
            suite = build_suite(declaration, plugin)
        except ValidationError as error:
            lines = [f"{label}: {line}" for line in flatten_messages(error.messages)]
            raise ValidationError(lines) from None
        owner = known.get(suite.key) or next(
            (s for s in suites if s.key == suite.key), None
        )
        if owner is not None:
            raise ValidationError(
                f"{label}: key already declared by plugin {owner.plugin}"
            )
        suites.append(suite)
    return suites


def suite_label(index: int, declaration: dict[str, Any]) -> str:
    key = declaration.get("key")
    return f"suite {key}" if isinstance(key, str) and key else f"suite {index}"


def collect_extensions(plugin_state: PluginState) -> None:
    """Call each plugin's blueprint, command and migration hooks once, checked."""
    checks: dict[str, tuple[dict[str, list[Any]], Callable[[Any], list[Any]]]] = {
        "laurel_blueprints": (plugin_state.blueprints, checked_blueprints),
        "laurel_cli_commands": (plugin_state.commands, checked_commands),
        "laurel_migration_dirs": (plugin_state.migration_dirs, checked_dirs),
    }
    for hook_name, (store, check) in checks.items():
        for name, function in plugin_implementations(plugin_state.manager, hook_name):
            try:
                result = function()
            except PLUGIN_ERRORS as error:
                plugin_state.fail(name, f"{hook_name} raised {describe(error)}", error)
                continue
            try:
                store[name] = check(result)
            except (TypeError, ValueError) as error:
                plugin_state.fail(name, f"{hook_name}: {error}")


def core_command_names(app: Flask) -> set[str]:
    """Return the names of the core's commands, added before and after plugins."""
    from laurel.cli import core_commands

    return set(app.cli.commands) | {command.name for command in core_commands()}


def checked_list(result: Any, kind: Any, description: str) -> list[Any]:
    if result is None:
        return []
    if not isinstance(result, list | tuple):
        raise TypeError(f"returned {type(result).__name__}, expected a list")
    wrong = [item for item in result if not isinstance(item, kind)]
    if wrong:
        raise TypeError(f"returned {wrong[0]!r}, expected {description}")
    return list(result)


def checked_blueprints(result: Any) -> list[Blueprint]:
    return checked_list(result, Blueprint, "flask.Blueprint objects")


def checked_commands(result: Any) -> list[click.Command]:
    return checked_list(result, click.Command, "click.Command objects")


def checked_dirs(result: Any) -> list[str]:
    paths = [
        os.fspath(path) for path in checked_list(result, str | os.PathLike, "paths")
    ]
    for path in paths:
        if not os.path.isabs(path) or not os.path.isdir(path):
            raise ValueError(f"{path!r} is not an absolute path of a directory")
    return paths


def reject_repeated_names(
    plugin_state: PluginState,
    contributions: dict[str, list[Any]],
    kind: str,
    taken: dict[str, str] | None = None,
) -> None:
    """Fail a plugin whose blueprint or command name is already taken.

    taken: names already used, mapped to their owner ("the core" or a
    plugin); the first plugin to claim a name keeps it.
    """
    owners = dict(taken or {})
    for plugin in list(contributions):
        names = [item.name for item in contributions[plugin]]
        clash = next((n for n in names if n in owners or names.count(n) > 1), None)
        if clash is not None:
            owner = owners.get(clash, f"plugin {plugin}")
            plugin_state.fail(plugin, f"{kind} name {clash!r} is taken by {owner}")
            continue
        owners.update((n, f"plugin {plugin}") for n in names)


def check_plugin(plugin: object, name: str = "plugin") -> list[Suite]:
    """Load one plugin object the way the platform does, raising on any error.

    For a vendor's own tests: returns the plugin's validated suites, or
    raises ``PluginError`` with the message ``laurel plugins`` would show.
    """
    manager = make_manager()
    plugin_state = PluginState(manager, {name: PluginRecord(name, None, None)})
    try:
        register_checked(manager, plugin, name)
    except Exception as error:
        raise PluginError(describe(error)) from error
    collect_suites(plugin_state)
    collect_extensions(plugin_state)
    error_message = plugin_state.records[name].error
    if error_message is not None:
        raise PluginError(error_message)
    return list(plugin_state.suites.values())


# Lookups


def state(app: Flask | None = None) -> PluginState:
    """Return the app's plugin state (the current app's by default)."""
    return (app or current_app).extensions[EXTENSION_KEY]


def hooks(app: Flask | None = None) -> pluggy.HookRelay:
    """Return the hook caller, as in ``hooks().laurel_balance(org_id=1)``."""
    return state(app).manager.hook


def plugin_blueprints(app: Flask) -> list[Blueprint]:
    """Return the loaded plugins' blueprints, failing plugins whose names clash.

    Called after the core's blueprints are registered, so a plugin cannot
    take over a core blueprint's name.
    """
    plugin_state = state(app)
    taken = {name: "the core" for name in app.blueprints}
    reject_repeated_names(plugin_state, plugin_state.blueprints, "blueprint", taken)
    return [bp for bps in plugin_state.blueprints.values() for bp in bps]


def plugin_commands(app: Flask) -> list[click.Command]:
    """Return the loaded plugins' commands, failing plugins whose names clash."""
    plugin_state = state(app)
    taken = {name: "the core" for name in app.cli.commands}
    reject_repeated_names(plugin_state, plugin_state.commands, "command", taken)
    return [cmd for cmds in plugin_state.commands.values() for cmd in cmds]


def get_suite(key: str, app: Flask | None = None) -> Suite | None:
    """Return a loaded suite, enabled or not, so assigned work stays readable.

    None when no loaded plugin declares the key (its plugin may have failed
    or been uninstalled).
    """
    return state(app).suites.get(key)


def disabled_plugins() -> set[str]:
    """Return the names of plugins a platform admin has disabled."""
    query = select(PluginSetting.plugin_name).where(PluginSetting.enabled.is_(False))
    return set(db.session.scalars(query))


def is_enabled(plugin: str) -> bool:
    """Tell whether a platform admin has left the plugin enabled (the default)."""
    setting = db.session.get(PluginSetting, plugin)
    return setting is None or setting.enabled


def enabled_suites(app: Flask | None = None) -> list[Suite]:
    """Return the suites organisations may see and buy, by title."""
    disabled = disabled_plugins()
    suites = (s for s in state(app).suites.values() if s.plugin not in disabled)
    return sorted(suites, key=lambda suite: (suite.title, suite.key))


def assignable_suite(key: str, app: Flask | None = None) -> Suite:
    """Return the suite for a new assignment or purchase.

    Raises ``SuiteNotFound`` when no loaded plugin declares ``key`` and
    ``SuiteDisabled`` when its plugin is disabled; both are
    ``SuiteUnavailable`` with a message to show the user.
    """
    suite = get_suite(key, app)
    if suite is None:
        raise SuiteNotFound(key, state(app).suites)
    if not is_enabled(suite.plugin):
        raise SuiteDisabled(suite)
    return suite
