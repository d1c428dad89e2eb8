"""The app's plugin state: the manager, the load records and their suites."""

from __future__ import annotations

from dataclasses import dataclass

import click
import pluggy
from flask import Blueprint, Flask, current_app

from laurel.plugins.manager import PluginRecord, load_entry_points, make_manager

EXTENSION_KEY = "laurel.plugins"


@dataclass
class PluginState:
    manager: pluggy.PluginManager
    records: dict[str, PluginRecord]


def init_app(app: Flask) -> None:
    manager = make_manager()
    records = load_entry_points(manager, parse_allowed(app.config["LAUREL_PLUGINS"]))
    app.extensions[EXTENSION_KEY] = PluginState(manager, records)


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
