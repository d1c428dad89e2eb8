"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from laurel import config as settings
from laurel import ops, ui
from laurel.extensions import csrf, db, login_manager, migrate

log = logging.getLogger(__name__)

MIGRATIONS_PATH = Path(__file__).parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Laurel app.

    config: settings that override the ``LAUREL_*`` environment, such as
    ``{"DATABASE_URL": ..., "PLUGINS": "workplace_readiness"}`` in tests.
    Plugins load in ``load_plugins``, after the database and before the
    blueprints, so a plugin's pages and tables join the core's.
    """
    app = Flask(
        "laurel",
        instance_path=os.environ.get("LAUREL_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    configure_settings(app, config or {})
    ops.init_app(app)
    ui.init_app(app)
    configure_database(app)
    configure_auth(app)
    load_plugins(app)
    register_blueprints(app)
    register_commands(app)
    return app


def configure_settings(app: Flask, overrides: Mapping[str, Any]) -> None:
    values = {**settings.DEFAULTS, **settings.read_environment(), **overrides}
    instance_path = Path(values.pop("INSTANCE_PATH", None) or app.instance_path)
    app.instance_path = str(instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update({f"LAUREL_{key}": value for key, value in values.items()})
    app.config["SECRET_KEY"] = values.get("SECRET_KEY") or settings.load_secret_key(
        instance_path
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = values[
        "DATABASE_URL"
    ] or settings.sqlite_url(instance_path)
    app.config["LAUREL_STORAGE_PATH"] = values["STORAGE_PATH"] or str(
        instance_path / "storage"
    )
    app.config["MAX_CONTENT_LENGTH"] = int(values["IMPORT_MAX_BYTES"]) + 64 * 1024
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    for key in ("TESTING", "WTF_CSRF_ENABLED", "SERVER_NAME"):
        if key in overrides:
            app.config[key] = overrides[key]


def configure_database(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_PATH), command="alembic")

    @migrate.configure
    def add_plugin_versions(alembic_config: Any) -> Any:
        from laurel.migrations_support import version_locations

        alembic_config.set_main_option("path_separator", "os")
        alembic_config.set_main_option(
            "version_locations", os.pathsep.join(version_locations(app))
        )
        return alembic_config


@event.listens_for(Engine, "connect")
def enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL always does."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def configure_auth(app: Flask) -> None:
    from laurel.identity import sessions

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "identity.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.user_loader(sessions.load_user)


def load_plugins(app: Flask) -> None:
    from laurel.plugins import registry

    registry.init_app(app)


def register_blueprints(app: Flask) -> None:
    from laurel import api
    from laurel.assignments.views import bp as assignments_bp
    from laurel.credentials.verify_views import bp as verify_bp
    from laurel.credentials.views import bp as credentials_bp
    from laurel.identity.staff_views import bp as staff_bp
    from laurel.identity.views import bp as identity_bp
    from laurel.plugins import registry
    from laurel.plugins.views import bp as plugins_bp
    from laurel.printing.views import bp as printing_bp
    from laurel.reports.views import bp as reports_bp
    from laurel.rosters.import_views import bp as rosters_import_bp
    from laurel.rosters.views import bp as rosters_bp

    core = (
        identity_bp,
        staff_bp,
        rosters_bp,
        assignments_bp,
        credentials_bp,
        plugins_bp,
    )
    for blueprint in core:
        app.register_blueprint(blueprint)
    app.register_blueprint(rosters_import_bp)
    app.register_blueprint(printing_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(reports_bp)
    api.init_app(app)
    for blueprint in registry.plugin_blueprints(app):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from laurel.cli import core_commands
    from laurel.plugins import registry

    for command in core_commands():
        app.cli.add_command(command)
    for command in registry.plugin_commands(app):
        app.cli.add_command(command)
