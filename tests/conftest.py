"""Fixtures shared by every test: databases, the app, factories, services.

Each test that uses ``app`` runs once on SQLite and once on PostgreSQL. The
schema comes from the Alembic migrations, built once per session into a
template (a SQLite file, a PostgreSQL database) and reset before each test.
When PostgreSQL, Redis or Chromium is missing, the tests that need it skip,
unless ``CI`` is set: then they fail, so a CI run never passes by skipping.
"""

from __future__ import annotations

import contextvars
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from laurel import create_app
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import create_organisation, create_user

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
TEST_PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"


def require(available: bool, reason: str) -> None:
    """Skip the test when a service is missing, or fail it when CI is set."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run only on these databases")
    config.addinivalue_line("markers", "browser: drives the system Chromium")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        names = marker.args if marker else BACKENDS
        metafunc.parametrize("db_backend", names, indirect=True, scope="session")


# Databases


def postgres_server_url() -> str:
    return os.environ.get("LAUREL_TEST_DATABASE_URL", DEFAULT_PG_URL)


def postgres_reachable(url: str) -> bool:
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


class TemplateDatabase:
    """A migrated database that each test starts from."""

    def __init__(self, backend: str, workdir: Path) -> None:
        self.backend = backend
        self.workdir = workdir
        if backend == "sqlite":
            self.template = workdir / "template.sqlite3"
            self.url = f"sqlite:///{self.template}"
        else:
            server = sa.engine.make_url(postgres_server_url())
            self.server_url = server
            self.name = f"laurel_test_{uuid.uuid4().hex[:10]}"
            self.url = server.set(database=self.name).render_as_string(hide_password=False)
            self.run_on_server(f'CREATE DATABASE "{self.name}"')
        migrate(self.url, workdir / "instance")

    def run_on_server(self, statement: str) -> None:
        engine = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
        engine.dispose()

    def fresh_url(self, tmp_path: Path) -> str:
        """Return the URL of a database in the template's state."""
        if self.backend == "sqlite":
            target = tmp_path / "laurel.sqlite3"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        self.truncate()
        return self.url

    def truncate(self) -> None:
        engine = sa.create_engine(self.url)
        with engine.begin() as connection:
            tables = connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            names = ", ".join(f'"{name}"' for name in tables)
            if names:
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()

    def drop(self) -> None:
        if self.backend != "postgresql":
            return
        self.run_on_server(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def migrate(url: str, instance_path: Path) -> None:
    import flask_migrate

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance_path), "SECRET_KEY": "test"})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabase]:
    backend = request.param
    if backend == "postgresql":
        require(postgres_reachable(postgres_server_url()), f"PostgreSQL is not reachable at {postgres_server_url()}")
    template = TemplateDatabase(backend, tmp_path_factory.mktemp(f"db-{backend}"))
    yield template
    template.drop()


@pytest.fixture
def database_url(db_backend: TemplateDatabase, tmp_path: Path) -> str:
    return db_backend.fresh_url(tmp_path)


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for the test app; a test may change them before ``app`` is built."""
    return {
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "STORAGE_PATH": str(tmp_path / "storage"),
        "SECRET_KEY": "test secret key",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context.

    The ``app`` fixture keeps an app context pushed for the test body, and
    Flask would reuse it for requests, sharing ``g`` and the database session
    between requests and the test. Running each request in an empty
    ``contextvars`` context makes it behave as on a real server: its own
    session, committed or lost at the end. Afterwards the test's own session
    is expired, so objects the test holds show what the request stored.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that the client follows
            db.session.expire_all()
        return response


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# Factories


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, name: str | None = None) -> Organisation:
        number = next(counter)
        org = create_organisation(slug or f"org-{number}", name or f"Organisation {number}")
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 100_000))

    def make(
        org: Organisation | None,
        role: Role = Role.LEARNER,
        *,
        email: str | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        password: str = TEST_PASSWORD,
    ) -> User:
        number = next(counter)
        account = create_user(
            email=email or f"{role.value}{number}@{org.slug if org else 'platform'}.example",
            first_name=first_name,
            last_name=last_name or f"Person {number}",
            role=role,
            org=org,
            password=password,
        )
        db.session.commit()
        return account.user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def log_in(user: User, password: str = TEST_PASSWORD) -> FlaskClient:
        client.post("/logout")
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return log_in


# Redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    url = os.environ.get("LAUREL_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        require(False, f"Redis is not reachable at {url}")
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


# Browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(os.path.exists(CHROMIUM), f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
