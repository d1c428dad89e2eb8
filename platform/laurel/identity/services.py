"""Creating organisations and accounts, and checking logins."""

from __future__ import annotations

import functools
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, func, select

from laurel import audit
from laurel.extensions import db
from laurel.identity import passwords
from laurel.identity.emails import email_problem, normalise_email
from laurel.identity.models import (
    LoginFailure,
    Organisation,
    Role,
    User,
    new_session_token,
)

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class ValidationError(ValueError):
    """Input that cannot be stored; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo, as the database stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def create_organisation(
    slug: str, name: str, actor_id: int | None = None
) -> Organisation:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(
            "slug",
            f"{slug!r} is not a valid slug; use 1 to 64 lower-case letters, "
            "digits and inner hyphens, such as riverside-college.",
        )
    if not name.strip():
        raise ValidationError("name", "Organisation name is missing.")
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise ValidationError(
            "slug", f"An organisation with slug {slug!r} exists already."
        )
    org = Organisation(slug=slug, name=name.strip())
    db.session.add(org)
    db.session.flush()
    audit.record(
        "organisation.created", "organisation", org.id, org_id=org.id, actor_id=actor_id
    )
    log.info("organisation %s created by user %s", slug, actor_id)
    return org


def organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(Organisation.slug == slug.strip().lower())
    )


def check_names(first_name: str, last_name: str) -> tuple[str, str]:
    first, last = first_name.strip(), last_name.strip()
    if not first:
        raise ValidationError("first_name", "First name is missing.")
    if not last:
        raise ValidationError("last_name", "Last name is missing.")
    for field, value in (("first_name", first), ("last_name", last)):
        if len(value) > 100:
            raise ValidationError(
                field, f"{value[:20]!r}... is longer than 100 characters."
            )
    return first, last


def check_new_email(email: str, exclude_user_id: int | None = None) -> str:
    problem = email_problem(email)
    if problem:
        raise ValidationError("email", problem)
    normalised = normalise_email(email)
    query = select(User.id).where(User.email == normalised)
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    if db.session.scalar(query):
        raise ValidationError(
            "email", f"{normalised!r} is already in use by another account."
        )
    return normalised


def check_external_id(
    org_id: int | None, external_id: str | None, exclude_user_id: int | None = None
) -> str | None:
    """Return the trimmed student id, unique within the organisation, or None."""
    value = (external_id or "").strip() or None
    if value is None:
        return None
    if len(value) > 64:
        raise ValidationError(
            "external_id", f"Student id {value[:20]!r}... is longer than 64 characters."
        )
    query = select(User.id).where(User.org_id == org_id, User.external_id == value)
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    if db.session.scalar(query):
        raise ValidationError(
            "external_id",
            f"Student id {value!r} belongs to another learner of this organisation; "
            "check the id or leave it empty.",
        )
    return value


def check_password(password: str) -> None:
    problem = passwords.password_problem(
        password, current_app.config["LAUREL_PASSWORD_MIN_LENGTH"]
    )
    if problem:
        raise ValidationError("password", problem)


@dataclass
class NewAccount:
    user: User
    # Set only when the password was generated, so it can be shown once.
    generated_password: str | None


def create_user(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    org: Organisation | None,
    password: str | None = None,
    external_id: str | None = None,
    actor_id: int | None = None,
) -> NewAccount:
    """Add an account; raise ValidationError naming the first bad field."""
    if role is Role.PLATFORM_ADMIN and org is not None:
        raise ValidationError("role", "A platform admin belongs to no organisation.")
    if role is not Role.PLATFORM_ADMIN and org is None:
        raise ValidationError("org", f"A {role.label} needs an organisation.")
    first, last = check_names(first_name, last_name)
    normalised = check_new_email(email)
    org_id = org.id if org else None
    external = check_external_id(org_id, external_id)
    generated = None
    if password is None or password == "":
        generated = password = passwords.generate_password()
    check_password(password)
    user = User(
        email=normalised,
        first_name=first,
        last_name=last,
        role=role,
        org_id=org_id,
        external_id=external,
        password_hash=passwords.hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        "user",
        user.id,
        org_id=user.org_id,
        actor_id=actor_id,
        role=role.value,
    )
    log.info("user %s (%s) created by user %s", user.id, role.value, actor_id)
    return NewAccount(user, generated)


def set_password(user: User, password: str, actor_id: int | None) -> None:
    """Change a password and sign out the account's other sessions."""
    check_password(password)
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    audit.record(
        "user.password_changed", "user", user.id, org_id=user.org_id, actor_id=actor_id
    )


def deactivate_user(user: User, actor_id: int | None) -> None:
    """Block logins and end sessions; the account and its history stay."""
    user.active = False
    user.deactivated_at = utcnow()
    user.session_token = new_session_token()
    audit.record(
        "user.deactivated", "user", user.id, org_id=user.org_id, actor_id=actor_id
    )


def reactivate_user(user: User, actor_id: int | None) -> None:
    user.active = True
    user.deactivated_at = None
    audit.record(
        "user.reactivated", "user", user.id, org_id=user.org_id, actor_id=actor_id
    )


# Logins


class LoginRateLimited(Exception):
    def __init__(self, retry_minutes: int) -> None:
        self.retry_minutes = retry_minutes
        super().__init__(
            f"Too many failed logins. Wait {retry_minutes} minutes and try again."
        )


def failure_keys(email: str, address: str | None) -> list[str]:
    keys = [f"email:{normalise_email(email)}"]
    if address:
        keys.append(f"address:{address}")
    return keys


def check_rate_limit(keys: list[str]) -> None:
    limit = current_app.config["LAUREL_LOGIN_FAILURE_LIMIT"]
    window = current_app.config["LAUREL_LOGIN_FAILURE_WINDOW"]
    since = utcnow() - timedelta(seconds=window)
    counts = db.session.execute(
        select(LoginFailure.key, func.count())
        .where(LoginFailure.key.in_(keys), LoginFailure.created_at >= since)
        .group_by(LoginFailure.key)
    ).all()
    if any(count >= limit for _key, count in counts):
        raise LoginRateLimited(max(1, window // 60))


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """Return the user for a correct email and password, else None.

    An unknown email and a wrong password look the same to the caller, and
    both cost one argon2 verification, so timing does not tell them apart.
    Raises LoginRateLimited once the account or the address has failed too
    often within the window.
    """
    keys = failure_keys(email, address)
    check_rate_limit(keys)
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        passwords.verify_password(dummy_hash(), password)
    elif user.active and passwords.verify_password(user.password_hash, password):
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == keys[0]))
        return user
    now = utcnow()
    db.session.add_all(LoginFailure(key=key, created_at=now) for key in keys)
    log.info("failed login from %s", address)
    return None


@functools.cache
def dummy_hash() -> str:
    """Return a hash to verify against when the email is unknown."""
    return passwords.hash_password(secrets.token_hex(16))
