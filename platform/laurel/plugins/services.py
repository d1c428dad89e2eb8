"""Listing, enabling and disabling plugins, and scoring through the hook.

Enabling and disabling write a ``PluginSetting`` row and an audit event to
the session; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select

from laurel import audit
from laurel.extensions import db
from laurel.identity.services import ValidationError, utcnow
from laurel.plugins import registry
from laurel.plugins.manager import PluginRecord
from laurel.plugins.models import PluginSetting
from laurel.plugins.suites import Question, Suite, Unit

log = logging.getLogger(__name__)

ENABLED = "enabled"
DISABLED = "disabled"
FAILED = "failed"
EXCLUDED = "excluded"  # left out by LAUREL_PLUGINS, so never imported


@dataclass(frozen=True)
class SuiteSummary:
    key: str
    title: str
    version: str
    units: int


@dataclass(frozen=True)
class PluginStatus:
    """One installed plugin as ``laurel plugins`` and the admin page show it."""

    name: str
    distribution: str | None
    version: str | None
    status: str  # ENABLED, DISABLED, FAILED or EXCLUDED
    # The admin's choice, which also applies to a failed or excluded plugin
    # once it loads.
    enabled: bool
    error: str | None
    suites: tuple[SuiteSummary, ...]
    changed_by: str | None  # email of the admin who last changed it
    changed_at: datetime | None

    @property
    def unit_count(self) -> int:
        return sum(suite.units for suite in self.suites)

    @property
    def can_disable(self) -> bool:
        """Whether disabling would change anything (see ``set_enabled``)."""
        return self.status != ENABLED or bool(self.suites)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "enabled": self.enabled,
            "error": self.error,
            "suites": [vars(suite) for suite in self.suites],
            "units": self.unit_count,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
        }


def settings_table_exists() -> bool:
    return inspect(db.engine).has_table(PluginSetting.__tablename__)


def read_settings() -> dict[str, PluginSetting]:
    """Return every plugin's stored setting, or none before the first migration."""
    if not settings_table_exists():
        return {}
    return {row.plugin_name: row for row in db.session.scalars(select(PluginSetting))}


def list_plugins() -> list[PluginStatus]:
    """Return every installed plugin with its status, by name."""
    plugin_state = registry.state()
    settings = read_settings()
    return [
        plugin_status(record, plugin_state.suites, settings.get(record.name))
        for record in sorted(plugin_state.records.values(), key=lambda r: r.name)
    ]


def plugin_status(
    record: PluginRecord, suites: Mapping[str, Suite], setting: PluginSetting | None
) -> PluginStatus:
    enabled = setting is None or setting.enabled
    if record.failed:
        status = FAILED
    elif record.excluded:
        status = EXCLUDED
    else:
        status = ENABLED if enabled else DISABLED
    return PluginStatus(
        name=record.name,
        distribution=record.distribution,
        version=record.version,
        status=status,
        enabled=enabled,
        error=record.error,
        suites=tuple(summarise(suites[key]) for key in record.suites if key in suites),
        changed_by=setting_author(setting),
        changed_at=setting.changed_at if setting else None,
    )


def summarise(suite: Suite) -> SuiteSummary:
    return SuiteSummary(suite.key, suite.title, suite.version, len(suite.units))


def setting_author(setting: PluginSetting | None) -> str | None:
    if setting is None or setting.changed_by_user is None:
        return None
    return setting.changed_by_user.email


def find_plugin(name: str) -> PluginStatus:
    """Return the installed plugin called ``name``; ValidationError if none."""
    plugins = {plugin.name: plugin for plugin in list_plugins()}
    if name not in plugins:
        installed = ", ".join(plugins) or "none"
        raise ValidationError(
            "name",
            f"No installed plugin is called {name!r} (installed: {installed}). "
            "Names are entry-point names, as `laurel plugins` lists them.",
        )
    return plugins[name]


def set_enabled(name: str, enabled: bool, actor_id: int | None) -> bool:
    """Enable or disable the installed plugin ``name``. Returns True if it changed.

    Disabling withdraws the plugin's suites from sale and from new
    assignments. Its hooks keep running, so billing, scoring and the pages of
    work already assigned go on. Because of that, a loaded plugin that
    declares no suites cannot be disabled: disabling would change nothing.

    Raises ValidationError for an unknown name or a plugin without suites.
    """
    plugin = find_plugin(name)
    if not enabled and not plugin.can_disable:
        raise ValidationError("name", nothing_to_disable(plugin))
    if plugin.enabled == enabled:
        return False
    store_setting(name, enabled, actor_id)
    action = "plugin.enabled" if enabled else "plugin.disabled"
    audit.record(action, "plugin", name, org_id=None, actor_id=actor_id)
    log.info("plugin %s %s by user %s", name, action.split(".")[1], actor_id)
    return True


def nothing_to_disable(plugin: PluginStatus) -> str:
    distribution = plugin.distribution or plugin.name
    return (
        f"Plugin {plugin.name!r} declares no suites, so disabling it would change "
        "nothing: its hooks (billing, pages, commands) keep running for enabled "
        f"and disabled plugins alike. To stop it, uninstall {distribution} or "
        "leave it out of LAUREL_PLUGINS."
    )


def store_setting(name: str, enabled: bool, actor_id: int | None) -> None:
    setting = db.session.get(PluginSetting, name)
    if setting is None:
        setting = PluginSetting(plugin_name=name)
        db.session.add(setting)
    setting.enabled = enabled
    setting.changed_by = actor_id
    setting.changed_at = utcnow()


# Scoring


@dataclass(frozen=True)
class Score:
    """The result of ``laurel_score_attempt``, checked."""

    score: int  # whole percent, 0 to 100
    correct: int
    total: int


def score_attempt(
    suite: Suite,
    unit: Unit,
    questions: Sequence[Question],
    answers: Mapping[str, int],
) -> Score:
    """Score an attempt through ``laurel_score_attempt`` and check the result.

    Raises ValueError naming the suite's plugin when the result that won is
    not ``{"score": 0..100, "correct": int, "total": int}``.
    """
    unit_declaration = suite.unit_declaration(unit.key)
    if unit_declaration is None:
        raise ValueError(f"suite {suite.key} has no unit {unit.key!r}")
    result = registry.hooks().laurel_score_attempt(
        suite=suite.declaration,
        unit=unit_declaration,
        questions=[question.as_dict() for question in questions],
        answers=dict(answers),
    )
    return checked_score(result, suite)


def checked_score(result: Any, suite: Suite) -> Score:
    try:
        score = Score(result["score"], result["correct"], result["total"])
    except (KeyError, TypeError):
        score = None
    valid = score is not None and all(
        isinstance(value, int) and not isinstance(value, bool)
        for value in vars(score).values()
    )
    if not valid or not 0 <= score.score <= 100:
        raise ValueError(
            f"laurel_score_attempt for suite {suite.key} (plugin {suite.plugin}) "
            f"returned {result!r}; expected score 0-100, correct and total as "
            "whole numbers"
        )
    return score
