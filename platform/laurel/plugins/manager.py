"""Finding, loading and checking plugins.

A plugin is an object (usually a module) named by an entry point in the
``laurel`` group. Loading one goes through these checks, and the first that
fails marks the plugin failed, unregisters it and logs the error with the
plugin's name; the platform starts without it:

1. the entry point imports;
2. pluggy accepts its hook implementations (known hook names, matching
   arguments: ``register`` and ``check_pending``);
3. no function named like a hook lacks the ``@hookimpl`` marker, since
   pluggy would silently skip it;
4. later, in ``laurel.plugins.registry``, its suite declarations validate
   and its blueprints, commands and migration folders have the right types.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import traceback
from pathlib import Path
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from laurel.plugins import ENTRY_POINT_GROUP, PROJECT, defaults, hookspecs

log = logging.getLogger(__name__)

DEFAULTS_NAME = "laurel.defaults"
# Frames in these files are the loader's own, not the plugin's.
LOADER_PATHS = (
    str(Path(__file__).parent),
    str(Path(pluggy.__file__).parent),
    "<frozen",
)
HOOK_NAMES = frozenset(
    name for name in dir(hookspecs) if name.startswith(f"{PROJECT}_")
)


class PluginError(Exception):
    """A plugin broke one of the loading rules. The message names the rule."""


@dataclass
class PluginRecord:
    """What the platform knows about one installed plugin."""

    name: str  # the entry-point name, such as "workplace_readiness"
    distribution: str | None
    version: str | None
    error: str | None = None
    suites: list[str] = field(default_factory=list)
    # True when LAUREL_PLUGINS leaves the plugin out, so it was never imported.
    excluded: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def loaded(self) -> bool:
        return not self.excluded and not self.failed


def make_manager() -> pluggy.PluginManager:
    """Return a manager with the hook specs and the core's default hooks."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(defaults, name=DEFAULTS_NAME)
    return manager


def installed_entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
        key=lambda entry_point: entry_point.name,
    )


def load_entry_points(
    manager: pluggy.PluginManager, allowed: Iterable[str] | None
) -> dict[str, PluginRecord]:
    """Register every installed plugin, recording the ones that fail.

    allowed: names that may load (from ``LAUREL_PLUGINS``), or None for all.
    A plugin left out is recorded as excluded and never imported.
    """
    allowed_names = None if allowed is None else set(allowed)
    records: dict[str, PluginRecord] = {}
    for entry_point in installed_entry_points():
        record = new_record(entry_point)
        if record.name in records:
            log.error(
                "plugin name %s is declared by both %s and %s; only %s loads",
                record.name,
                records[record.name].distribution,
                record.distribution,
                records[record.name].distribution,
            )
            continue
        records[record.name] = record
        if allowed_names is not None and record.name not in allowed_names:
            record.excluded = True
            continue
        register_entry_point(manager, entry_point, record)
    warn_unknown_names(allowed_names, records)
    return records


def new_record(entry_point: importlib.metadata.EntryPoint) -> PluginRecord:
    dist = entry_point.dist
    return PluginRecord(
        name=entry_point.name,
        distribution=dist.name if dist else None,
        version=dist.version if dist else None,
    )


def warn_unknown_names(
    allowed_names: set[str] | None, records: dict[str, PluginRecord]
) -> None:
    for name in sorted((allowed_names or set()) - set(records)):
        log.warning(
            "LAUREL_PLUGINS names %s, but no installed plugin has that name "
            "(installed: %s)",
            name,
            ", ".join(records) or "none",
        )


def register_entry_point(
    manager: pluggy.PluginManager,
    entry_point: importlib.metadata.EntryPoint,
    record: PluginRecord,
) -> None:
    try:
        plugin = entry_point.load()
    except (Exception, SystemExit) as error:  # a broken plugin must not stop us
        mark_failed(manager, record, f"import failed: {describe(error)}", error)
        return
    try:
        register_checked(manager, plugin, entry_point.name)
    except (PluginError, pluggy.PluginValidationError) as error:
        mark_failed(manager, record, f"{type(error).__name__}: {error}")
    except (Exception, SystemExit) as error:
        mark_failed(manager, record, describe(error), error)


def register_checked(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    """Register ``plugin`` and apply loading rules 2 and 3 (module docstring)."""
    manager.register(plugin, name=name)
    manager.check_pending()
    unmarked = unmarked_hooks(manager, plugin)
    if unmarked:
        raise PluginError(
            f"{', '.join(unmarked)} named like a hook but not marked with "
            "@laurel.plugins.hookimpl, so it would never be called"
        )


def unmarked_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """Return the plugin's hook-named functions that pluggy did not register."""
    registered = {caller.name for caller in manager.get_hookcallers(plugin) or []}
    return sorted(
        name
        for name in HOOK_NAMES - registered
        if inspect.isroutine(getattr(plugin, name, None))
    )


def mark_failed(
    manager: pluggy.PluginManager,
    record: PluginRecord,
    message: str,
    error: BaseException | None = None,
) -> None:
    """Record the error, unregister the plugin and log it with its name."""
    record.error = message
    record.suites = []
    if manager.get_plugin(record.name) is not None:
        manager.unregister(name=record.name)
    log.error("plugin %s failed: %s", record.name, message, exc_info=error)


def describe(error: BaseException) -> str:
    """Return "Type: message (at file:line)" for an error raised by a plugin.

    The location is the innermost frame outside Laurel's plugin loader,
    pluggy and the import machinery, so it points into the plugin's code.
    Without such a frame the location is left out.
    """
    text = f"{type(error).__name__}: {error}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(LOADER_PATHS)
    ]
    if frames:
        text += f" (at {frames[-1].filename}:{frames[-1].lineno})"
    return text


def plugin_implementations(
    manager: pluggy.PluginManager, hook_name: str
) -> list[tuple[str, Any]]:
    """Return (plugin name, function) for each plugin implementing the hook.

    The core's own defaults are left out. Calling the functions one plugin
    at a time lets the registry blame a bad result on the right plugin.
    """
    caller = getattr(manager.hook, hook_name)
    return [
        (impl.plugin_name, impl.function)
        for impl in caller.get_hookimpls()
        if impl.plugin_name != DEFAULTS_NAME
    ]
