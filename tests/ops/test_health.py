"""/healthz and /readyz: database, Redis and migration checks."""

from __future__ import annotations

import logging
from pathlib import Path

import flask_migrate
from sqlalchemy import text

from laurel import create_app
from laurel.extensions import db


def test_healthz_without_redis(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": {"status": "ok"}, "redis": {"status": "not configured"}},
    }


def test_healthz_with_redis(app_config, redis_url) -> None:
    app_config["REDIS_URL"] = redis_url
    app = create_app(app_config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == {"status": "ok"}


def test_healthz_redis_unreachable(app_config, caplog) -> None:
    # Port 1 on the loopback address: nothing listens there.
    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app = create_app(app_config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["checks"]["redis"] == {"status": "unreachable"}
    assert response.json["checks"]["database"] == {"status": "ok"}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("Redis unreachable" in r.getMessage() for r in errors)


def test_healthz_database_unreachable(tmp_path: Path) -> None:
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/laurel",
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "test",
        }
    )
    client = app.test_client()
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.json["checks"]["database"] == {"status": "unreachable"}
    assert client.get("/readyz").json["checks"]["migrations"] == {
        "status": "unreachable"
    }


def test_readyz_at_head(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["migrations"] == {"status": "ok"}


def test_readyz_pending_migration(app, client) -> None:
    flask_migrate.downgrade(revision="api@-1")
    db.session.remove()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == {
        "status": "pending",
        "revisions": ["api_0001"],
    }
    flask_migrate.upgrade(revision="heads")
    assert client.get("/readyz").status_code == 200


def test_readyz_unknown_revision(app, client) -> None:
    db.session.execute(
        text("INSERT INTO alembic_version (version_num) VALUES ('future_0001')")
    )
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == {
        "status": "unknown revision",
        "revisions": ["future_0001"],
    }
