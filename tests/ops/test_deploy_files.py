"""docker-compose.yml, the Dockerfiles and the gunicorn config, read as files.

No container engine runs here, so these tests check the files' structure:
the services, the shared storage volume, the start order and the health checks.
"""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"web", "printing", "postgres", "redis", "migrate"}
FONT_PACKAGES = {"fonts-noto-core", "fonts-noto-cjk", "libharfbuzz-subset0"}
STORAGE_MOUNT = "storage:/var/lib/laurel/storage"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_services(compose) -> None:
    assert set(compose["services"]) == SERVICES


def test_every_service_has_healthcheck(compose) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check, f"{name} has no health check"
        assert not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_storage_volume_shared(compose) -> None:
    assert "storage" in compose["volumes"]
    for name in ("web", "printing"):
        assert STORAGE_MOUNT in compose["services"][name]["volumes"], name
    env = compose["services"]["web"]["environment"]
    assert env["LAUREL_STORAGE_PATH"] == "/var/lib/laurel/storage"
    assert compose["services"]["printing"]["environment"]["LAUREL_STORAGE_PATH"] == (
        "/var/lib/laurel/storage"
    )


def test_start_order(compose) -> None:
    services = compose["services"]
    web = services["web"]["depends_on"]
    assert web["migrate"] == {"condition": "service_completed_successfully"}
    assert web["postgres"] == {"condition": "service_healthy"}
    assert web["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"}
    }
    assert services["printing"]["depends_on"] == {
        "redis": {"condition": "service_healthy"}
    }
    assert services["migrate"]["command"] == ["laurel", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"


def test_printing_scales(compose) -> None:
    printing = compose["services"]["printing"]
    assert "container_name" not in printing
    assert "ports" not in printing
    assert printing["command"] == ["sh", "deploy/printing-worker.sh"]
    script = (ROOT / "deploy/printing-worker.sh").read_text()
    assert 'exec laurel-printing worker --name "printing-$(hostname)"' in script
    assert "database" not in " ".join(printing["environment"]).lower()


def test_web_runs_gunicorn(compose) -> None:
    web = compose["services"]["web"]
    assert web["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert web["environment"]["LAUREL_BIND"] == "0.0.0.0:8000"
    assert "container_name" not in web
    # Every web node needs the same key for sessions to work on all of them.
    assert web["environment"]["LAUREL_SECRET_KEY"].startswith("${LAUREL_SECRET_KEY:?")


def test_images_built_from_dockerfiles(compose) -> None:
    services = compose["services"]
    for name, dockerfile in (
        ("web", "deploy/Dockerfile.web"),
        ("migrate", "deploy/Dockerfile.web"),
        ("printing", "deploy/Dockerfile.printing"),
    ):
        build = services[name]["build"]
        assert build == {"context": ".", "dockerfile": dockerfile}, name
        assert (ROOT / dockerfile).is_file(), dockerfile


@pytest.mark.parametrize("dockerfile", ["Dockerfile.web", "Dockerfile.printing"])
def test_dockerfile_installs_fonts(dockerfile: str) -> None:
    text = (ROOT / "deploy" / dockerfile).read_text()
    packages_file = ROOT / "services/printing/system-packages.txt"
    packages = {
        line.strip()
        for line in packages_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert FONT_PACKAGES <= packages
    assert any(name.startswith("libpango") for name in packages)
    assert "COPY services/printing/system-packages.txt /tmp/system-packages.txt" in text
    assert "$(grep -v '^#' /tmp/system-packages.txt)" in text
    assert "pip install" in text
    assert "./services/printing" in text
    assert "HEALTHCHECK" in text
    assert "USER laurel" in text


def test_gunicorn_config(monkeypatch) -> None:
    for name in ("LAUREL_BIND", "WEB_CONCURRENCY", "LAUREL_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(ROOT / "deploy/gunicorn.conf.py"))
    assert config["wsgi_app"] == "laurel.app:create_app()"
    assert config["workers"] == 2 * config["available_cpus"]() + 1
    assert config["accesslog"] == "-"
    assert "%({x-request-id}o)s" in config["access_log_format"]
    assert "%(U)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"]
    assert config["timeout"] > 0
    assert config["bind"] == "127.0.0.1:8000"
