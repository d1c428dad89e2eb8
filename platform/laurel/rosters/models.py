"""Groups of learners within an organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.extensions import db
from laurel.identity.models import User


class Group(db.Model):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    archived_at: Mapped[datetime | None]

    members: Mapped[list[User]] = relationship(
        secondary="group_members", order_by="User.last_name", viewonly=True
    )

    __table_args__ = (db.UniqueConstraint("org_id", "name"),)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class GroupMember(db.Model):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
