"""Where Alembic finds revisions: the core's folder and each plugin's."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

CORE_VERSIONS = Path(__file__).parent / "migrations" / "versions"


def version_locations(app: Flask) -> list[str]:
    from laurel.plugins.registry import hooks

    plugin_dirs = [path for result in hooks(app).laurel_migration_dirs() for path in result]
    return [str(CORE_VERSIONS), *plugin_dirs]
