"""The rosters_import Alembic branch upgrades and downgrades on its own."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from laurel import create_app
from laurel.extensions import db
from sqlalchemy import inspect


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_branch_downgrades_alone(tmp_path: Path) -> None:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'migrate.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test",
        }
    )
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        assert "roster_imports" in table_names()
        flask_migrate.downgrade(revision="rosters_import@-1")
        assert "roster_imports" not in table_names()
        assert "users" in table_names(), "other branches stay"
        flask_migrate.upgrade(revision="heads")
        assert "roster_imports" in table_names()
        db.engine.dispose()
