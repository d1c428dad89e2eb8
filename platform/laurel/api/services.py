"""Creating, revoking and checking API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from laurel import audit
from laurel.api.models import TOKEN_ROLES, ApiToken
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError, utcnow

log = logging.getLogger(__name__)

TOKEN_PREFIX = "laurel_"
# Characters of the token kept in clear: "laurel_" and 8 of its 43 random ones.
SHOWN_LENGTH = len(TOKEN_PREFIX) + 8
TOKEN_NAME_MAX = 100
# ``last_used_at`` is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class NewToken:
    token: ApiToken
    # The secret, to show once; only its hash is stored.
    secret: str


def create_token(org_id: int, name: str, role: Role, actor_id: int) -> NewToken:
    """Add a token for the organisation; raise ValidationError naming a bad field."""
    name = name.strip()
    if not name:
        raise ValidationError("name", "Token name is missing.")
    if len(name) > TOKEN_NAME_MAX:
        raise ValidationError(
            "name", f"Token name is longer than {TOKEN_NAME_MAX} characters."
        )
    if role not in TOKEN_ROLES:
        raise ValidationError(
            "role", f"{role.value!r} is not a token role; use instructor or org_admin."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        org_id=org_id,
        name=name,
        role=role,
        token_hash=hash_token(secret),
        prefix=secret[:SHOWN_LENGTH],
        created_by_id=actor_id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.created",
        "api_token",
        token.id,
        org_id=org_id,
        actor_id=actor_id,
        role=role.value,
    )
    log.info("API token %s (%s) created by user %s", token.id, role.value, actor_id)
    return NewToken(token, secret)


def revoke_token(token: ApiToken, actor_id: int) -> None:
    if token.revoked:
        return
    token.revoked_at = utcnow()
    token.revoked_by_id = actor_id
    audit.record(
        "api_token.revoked",
        "api_token",
        token.id,
        org_id=token.org_id,
        actor_id=actor_id,
    )
    log.info("API token %s revoked by user %s", token.id, actor_id)


def org_tokens(org_id: int) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.org_id == org_id)
        .order_by(
            ApiToken.revoked_at.is_not(None),
            ApiToken.created_at.desc(),
            ApiToken.id.desc(),
        )
    )
    return list(db.session.scalars(query))


def token_for_secret(secret: str) -> ApiToken | None:
    """Return the live token whose secret this is, else None; note its use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
    )
    if token is None or token.revoked:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token
