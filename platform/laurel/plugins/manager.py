"""Finding, loading and calling plugins."""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import pluggy

from laurel.plugins import ENTRY_POINT_GROUP, PROJECT, defaults, hookspecs

log = logging.getLogger(__name__)


@dataclass
class PluginRecord:
    """What the platform knows about one installed plugin."""

    name: str
    distribution: str | None
    version: str | None
    error: str | None = None
    suites: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error is not None


def make_manager() -> pluggy.PluginManager:
    """Return a manager with the hook specs and the core's default hooks."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(defaults, name="laurel.defaults")
    return manager


def installed_entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    )


def load_entry_points(
    manager: pluggy.PluginManager, allowed: Iterable[str] | None
) -> dict[str, PluginRecord]:
    """Register every installed plugin, recording the ones that fail.

    allowed: names that may load (from ``LAUREL_PLUGINS``), or None for all.
    A plugin that raises on import, or implements a hook that no spec
    declares, is left unregistered and recorded with its error; the platform
    starts without it.
    """
    allowed_names = None if allowed is None else set(allowed)
    records: dict[str, PluginRecord] = {}
    for entry_point in installed_entry_points():
        if allowed_names is not None and entry_point.name not in allowed_names:
            continue
        record = PluginRecord(
            name=entry_point.name,
            distribution=entry_point.dist.name if entry_point.dist else None,
            version=entry_point.dist.version if entry_point.dist else None,
        )
        records[record.name] = record
        register_entry_point(manager, entry_point, record)
    return records


def register_entry_point(
    manager: pluggy.PluginManager,
    entry_point: importlib.metadata.EntryPoint,
    record: PluginRecord,
) -> None:
    try:
        plugin = entry_point.load()
        manager.register(plugin, name=entry_point.name)
        manager.check_pending()
    except Exception as error:  # a broken plugin must not stop the platform
        if manager.get_plugin(entry_point.name) is not None:
            manager.unregister(name=entry_point.name)
        record.error = f"{type(error).__name__}: {error}"
        log.error("plugin %s failed to load: %s", entry_point.name, record.error)
