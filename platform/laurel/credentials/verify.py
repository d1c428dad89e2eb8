"""Public verification of credentials: lookups, verification URLs, rate limits.

Anyone holding a printed credential can check it by its public id (the QR
code) or its short code, without logging in. Lookups are counted per client
address in fixed windows, so the short codes cannot be enumerated quickly.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from laurel.credentials import services
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.services import utcnow

log = logging.getLogger(__name__)

PUBLIC_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CODE_INPUT = 64
# Used when neither LAUREL_PUBLIC_URL, a request nor SERVER_NAME gives a host:
# the address that ``flask run`` and ``laurel run`` serve on by default.
FALLBACK_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_RATE_LIMIT = 30
DEFAULT_RATE_WINDOW = 60


class VerifyRateCount(db.Model):
    """Verification lookups from one client address in one fixed time window."""

    __tablename__ = "verify_rate_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "address:<client IP>".
    key: Mapped[str] = mapped_column(String(100))
    window_start: Mapped[datetime] = mapped_column(DateTime, index=True)
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (db.UniqueConstraint("key", "window_start"),)


# Verification URLs


def external_url(endpoint: str, **values: str) -> str:
    """Return the absolute URL of a page, for printing on paper.

    The base is LAUREL_PUBLIC_URL when set, so a printed link names the
    public host even when the print was requested from an internal address.
    """
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    base = current_app.config.get("LAUREL_PUBLIC_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, **values, _external=True)
    log.warning(
        "LAUREL_PUBLIC_URL is not set and there is no request: printed links use %s",
        FALLBACK_BASE_URL,
    )
    return FALLBACK_BASE_URL + path


def verification_url(public_id: str) -> str:
    """Return the public URL of a credential's verification page."""
    return external_url("verify.credential", public_id=public_id)


# Lookups


def find_by_public_id(public_id: str) -> Credential | None:
    if not PUBLIC_ID_PATTERN.match(public_id):
        return None
    return services.credential_by_public_id(public_id)


def find_by_code(text: str) -> Credential | None:
    """Find a credential by its short code as typed: any case, spaces or dashes."""
    if len(text) > MAX_CODE_INPUT:
        return None
    code = services.normalise_code(text)
    return db.session.scalar(select(Credential).where(Credential.code == code))


# Rate limiting


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_seconds: int


def int_setting(name: str, default: int) -> int:
    """Read the integer setting LAUREL_<name>, which may come as a string."""
    value = current_app.config.get(f"LAUREL_{name}", default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"LAUREL_{name}={value!r} is not a whole number") from None
    if number < 1:
        raise ValueError(f"LAUREL_{name}={value!r} must be at least 1")
    return number


def rate_limit() -> RateLimit:
    return RateLimit(
        limit=int_setting("VERIFY_RATE_LIMIT", DEFAULT_RATE_LIMIT),
        window_seconds=int_setting("VERIFY_RATE_WINDOW", DEFAULT_RATE_WINDOW),
    )


def window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = datetime(2000, 1, 1)
    elapsed = int((now - epoch).total_seconds())
    return epoch + timedelta(seconds=elapsed - elapsed % window_seconds)


def count_lookup(address: str | None, now: datetime | None = None) -> int:
    """Count one lookup from ``address`` in the current window; return the count.

    The count is one atomic upsert, so concurrent requests cannot both pass
    as the last allowed one. The caller commits.
    """
    limits = rate_limit()
    start = window_start(now or utcnow(), limits.window_seconds)
    key = f"address:{address or 'unknown'}"
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(VerifyRateCount)
        .values(key=key, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": VerifyRateCount.count + 1},
        )
        .returning(VerifyRateCount.count)
    )
    count = db.session.execute(statement).scalar_one()
    db.session.execute(
        delete(VerifyRateCount).where(VerifyRateCount.window_start < start)
    )
    return count


def retry_after_seconds(now: datetime | None = None) -> int:
    """Return the seconds until the current window ends."""
    limits = rate_limit()
    moment = now or utcnow()
    end = window_start(moment, limits.window_seconds) + timedelta(
        seconds=limits.window_seconds
    )
    return max(1, int((end - moment).total_seconds()))
