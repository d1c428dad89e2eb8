"""The app's plugin state: the manager, the load records and their suites."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import click
import pluggy
from flask import Blueprint, Flask, current_app

from laurel.plugins.manager import PluginRecord, load_entry_points, make_manager
from laurel.plugins.suites import Suite, build_suite

log = logging.getLogger(__name__)

EXTENSION_KEY = "laurel.plugins"


@dataclass
class PluginState:
    manager: pluggy.PluginManager
    records: dict[str, PluginRecord]
    suites: dict[str, Suite] = field(default_factory=dict)


def init_app(app: Flask) -> None:
    manager = make_manager()
    records = load_entry_points(manager, parse_allowed(app.config["LAUREL_PLUGINS"]))
    plugin_state = PluginState(manager, records)
    collect_suites(plugin_state)
    app.extensions[EXTENSION_KEY] = plugin_state


def collect_suites(plugin_state: PluginState) -> None:
    """Validate each plugin's suites; a plugin with a bad one is marked failed."""
    for impl in plugin_state.manager.hook.laurel_suites.get_hookimpls():
        record = plugin_state.records.get(impl.plugin_name)
        try:
            suites = [build_suite(d, impl.plugin_name) for d in impl.function() or []]
        except Exception as error:  # a plugin's bad data must not stop the platform
            message = f"invalid suite declaration: {getattr(error, 'messages', error)}"
            log.error("plugin %s failed: %s", impl.plugin_name, message)
            if record is not None:
                record.error = message
            plugin_state.manager.unregister(name=impl.plugin_name)
            continue
        for suite in suites:
            plugin_state.suites[suite.key] = suite
        if record is not None:
            record.suites = [suite.key for suite in suites]


def parse_allowed(value: str | list[str] | None) -> list[str] | None:
    """Turn ``LAUREL_PLUGINS`` ("a,b" or a list) into names; None allows all."""
    if value is None:
        return None
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value)


def state(app: Flask | None = None) -> PluginState:
    return (app or current_app).extensions[EXTENSION_KEY]


def hooks(app: Flask | None = None) -> pluggy.HookRelay:
    """Return the hook caller, as in ``hooks().laurel_balance(org_id=1)``."""
    return state(app).manager.hook


def plugin_blueprints(app: Flask) -> list[Blueprint]:
    return [bp for result in hooks(app).laurel_blueprints() for bp in result]


def plugin_commands(app: Flask) -> list[click.Command]:
    return [cmd for result in hooks(app).laurel_cli_commands() for cmd in result]


def get_suite(key: str, app: Flask | None = None) -> Suite | None:
    """Return a loaded suite, enabled or not, so past work stays readable."""
    return state(app).suites.get(key)


def enabled_suites(app: Flask | None = None) -> list[Suite]:
    """Return the suites organisations may see and buy, by title."""
    # NOTE: every loaded suite counts as enabled until the enabled-state table
    # exists; platform admins will switch suites on and off there.
    return sorted(state(app).suites.values(), key=lambda suite: suite.title)
