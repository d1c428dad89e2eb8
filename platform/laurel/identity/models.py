"""Organisations and the people in them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.extensions import db


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    ORG_ADMIN = "org_admin"
    INSTRUCTOR = "instructor"
    LEARNER = "learner"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


STAFF_ROLES = frozenset({Role.ORG_ADMIN, Role.INSTRUCTOR})


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Paper size of printed credentials: "A4" or "Letter".
    page_size: Mapped[str] = mapped_column(
        String(10), default="A4", server_default="A4"
    )
    # Extra attempts per unit that an instructor may grant after the first.
    extra_attempt_cap: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL only for platform admins, who belong to no organisation.
    org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    # Trimmed and case-folded (see laurel.identity.emails.normalise_email).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(
        db.Enum(
            Role,
            native_enum=False,
            length=20,
            values_callable=lambda e: [member.value for member in e],
        )
    )
    external_id: Mapped[str | None] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of the Flask-Login id: changing it signs out every session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deactivated_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        db.UniqueConstraint("org_id", "external_id", name="uq_users_org_external_id"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginFailure(db.Model):
    """One failed login, counted per account and per client address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "email:<normalised email>" or "address:<client IP>".
    key: Mapped[str] = mapped_column(String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
