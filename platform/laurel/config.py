"""Settings read from ``LAUREL_*`` environment variables.

Every setting has a default that runs on one machine with no servers: SQLite
in the instance folder and in-process printing. A mapping passed to
``create_app`` overrides both the defaults and the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "LAUREL_"

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: laurel.sqlite3 in the instance folder
    "REDIS_URL": None,  # None: print jobs run in-process
    "STORAGE_PATH": None,  # None: storage/ in the instance folder
    "PUBLIC_URL": None,  # base of verification links; None: the request's host
    "PASSWORD_MIN_LENGTH": 8,
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    "LOGIN_FAILURE_LIMIT": 5,  # failures per account and per address...
    "LOGIN_FAILURE_WINDOW": 15 * 60,  # ...within this many seconds
    "PAGE_SIZE": 50,
    "PLUGINS": None,  # comma list restricting which installed plugins load
    "HASH_WORKERS": None,  # processes for bulk password hashing; None: CPU count
    "LOG_LEVEL": "INFO",  # level of the laurel.* loggers
    "PROXY_FIX": 0,  # reverse proxies in front whose X-Forwarded-* headers to trust
    "HSTS_SECONDS": 365 * 24 * 3600,  # Strict-Transport-Security max-age over HTTPS
    "PRINT_STALE_SECONDS": 600,  # seconds until the sweeper retries a stuck print job
    "VERIFY_RATE_LIMIT": 30,  # verification lookups per client address...
    "VERIFY_RATE_WINDOW": 60,  # ...within this many seconds
}

INTEGER_SETTINGS = {
    "PASSWORD_MIN_LENGTH",
    "IMPORT_MAX_BYTES",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_FAILURE_WINDOW",
    "PAGE_SIZE",
    "HASH_WORKERS",
    "PROXY_FIX",
    "HSTS_SECONDS",
    "PRINT_STALE_SECONDS",
    "VERIFY_RATE_LIMIT",
    "VERIFY_RATE_WINDOW",
}


def read_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Return the ``LAUREL_*`` variables as settings, without their prefix."""
    settings: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        key = name.removeprefix(ENV_PREFIX)
        if key in INTEGER_SETTINGS:
            settings[key] = parse_integer(name, value)
        else:
            settings[key] = value
    return settings


def parse_integer(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None


def load_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, generating it on first run.

    The key lives in ``instance_path/secret_key`` with mode 0600, so it
    survives restarts and is shared by every process on the instance folder.
    """
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'laurel.sqlite3'}"
