"""The application factory, settings and packaging."""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path

from flask import Flask

from laurel import create_app


def test_platform_is_standard_library() -> None:
    import platform

    assert platform.__file__ is not None
    assert Path(platform.__file__).parent == Path(os.__file__).parent
    assert callable(platform.python_version)


def test_component_packages_import() -> None:
    for name in ("laurel", "laurel_workplace_readiness", "laurel_credits", "laurel_printing"):
        assert importlib.util.find_spec(name) is not None, f"{name} is not installed"


def test_secret_key_generated_once(tmp_path: Path) -> None:
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"}
    first = create_app(config)
    second = create_app(config)
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_settings_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAUREL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LAUREL_PASSWORD_MIN_LENGTH", "12")
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["LAUREL_PASSWORD_MIN_LENGTH"] == 12
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'laurel.sqlite3'}"


def test_bad_integer_setting_names_variable(tmp_path: Path, monkeypatch) -> None:
    import pytest

    monkeypatch.setenv("LAUREL_PAGE_SIZE", "fifty")
    with pytest.raises(ValueError, match="LAUREL_PAGE_SIZE='fifty' is not a whole number"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_app_fixture_is_migrated(app: Flask) -> None:
    from sqlalchemy import inspect

    from laurel.extensions import db

    tables = set(inspect(db.engine).get_table_names())
    assert {"organisations", "users", "groups", "group_members", "audit_events"} <= tables
    assert "alembic_version" in tables
    assert sys.modules["laurel"].create_app is create_app
