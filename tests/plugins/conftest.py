"""Fixtures for the plugin tests: real entry points, apps per plugin list.

``test_plugins`` pip-installs tests/plugins/fixtures/test_plugins into a
temporary folder once per session and puts that folder on ``sys.path`` for
one test only, so the deliberately broken plugins in it are found through
their entry points, as an installed vendor's would be, and never leak into
other tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from laurel import create_app
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import create_user
from tests.conftest import TEST_PASSWORD, IsolatedClient

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def test_plugins_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the test plugins' distribution into a folder of its own."""
    work = tmp_path_factory.mktemp("test-plugins")
    source = work / "source"
    shutil.copytree(FIXTURES / "test_plugins", source)  # builds leave files behind
    target = work / "site"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
        "--no-build-isolation", "--no-index", "--target", str(target), str(source),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    return target


@pytest.fixture
def test_plugins(test_plugins_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the test plugins discoverable for this test."""
    monkeypatch.syspath_prepend(str(test_plugins_dir))
    for name in [
        name for name in sys.modules if name.startswith("laurel_test_plugins")
    ]:
        monkeypatch.delitem(sys.modules, name)
    return test_plugins_dir


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with a chosen ``PLUGINS`` list.

    The ``app`` fixture's own app is not built unless a test asks for it.
    """
    contexts = []

    def make(plugins: str | None, **settings: Any) -> Flask:
        config = {**app_config, **settings}
        if plugins is not None:
            config["PLUGINS"] = plugins
        app = create_app(config)
        app.test_client_class = IsolatedClient
        context = app.app_context()
        context.push()
        contexts.append(context)
        return app

    yield make
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


def create_account(role: Role, org: Organisation | None = None) -> User:
    """Create and commit a user in the current app, for apps from ``make_app``."""
    email = f"{role.value}-{uuid.uuid4().hex[:8]}@plugins.example"
    account = create_user(
        email=email,
        first_name="Plugin",
        last_name="Tester",
        role=role,
        org=org,
        password=TEST_PASSWORD,
    )
    db.session.commit()
    return account.user


def sign_in(client: FlaskClient, user: User) -> FlaskClient:
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
