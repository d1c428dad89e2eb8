"""Health checks: the database, Redis and the migration state."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from laurel.extensions import db

log = logging.getLogger(__name__)

OK = "ok"
NOT_CONFIGURED = "not configured"
UNREACHABLE = "unreachable"
PENDING = "pending"
UNKNOWN_REVISION = "unknown revision"
# Seconds a health check waits for Redis before calling it unreachable.
REDIS_TIMEOUT = 2.0


@dataclass
class Check:
    status: str
    # Revision ids, for the migration check only.
    revisions: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status in (OK, NOT_CONFIGURED)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        if not self.revisions:
            del data["revisions"]
        return data


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("health check: database unreachable: %s", error)
        return Check(UNREACHABLE)
    return Check(OK)


def check_redis() -> Check:
    url = current_app.config["LAUREL_REDIS_URL"]
    if not url:
        return Check(NOT_CONFIGURED)
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as error:
        log.error("health check: Redis unreachable: %s", error)
        return Check(UNREACHABLE)
    finally:
        client.close()
    return Check(OK)


def script_directory() -> ScriptDirectory:
    """Return the revisions of every branch, the plugins' folders included."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def check_migrations() -> Check:
    """Pass when every branch's head revision is applied to the database.

    ``revisions`` lists the heads still to apply, or the database's
    revisions that no installed migration knows (code older than the schema).
    """
    scripts = script_directory()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as error:
        log.error("health check: cannot read the migration state: %s", error)
        return Check(UNREACHABLE)
    unknown = sorted(rev for rev in current if not is_known(scripts, rev))
    if unknown:
        return Check(UNKNOWN_REVISION, unknown)
    applied = applied_revisions(scripts, current)
    missing = sorted(set(scripts.get_heads()) - applied)
    return Check(PENDING, missing) if missing else Check(OK)


def is_known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        scripts.get_revision(revision)
    except CommandError:
        return False
    return True


def applied_revisions(scripts: ScriptDirectory, current: tuple[str, ...]) -> set[str]:
    """Return the current heads and every revision they build on.

    The version table keeps only the newest revisions: a head that another
    branch's revision depends on (``depends_on``) is applied but not listed.
    Each head is walked on its own because Alembic refuses to walk heads
    that overlap.
    """
    applied: set[str] = set()
    for head in current:
        applied.update(rev.revision for rev in scripts.iterate_revisions(head, "base"))
    return applied
