"""A platform admin's choice to enable or disable an installed plugin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from laurel.extensions import db
from laurel.identity.models import User

PLUGIN_NAME_MAX = 100


class PluginSetting(db.Model):
    """One plugin's enabled state, written on its first enable or disable.

    A plugin without a row is enabled, so a newly installed suite is on sale
    until a platform admin disables it. The table is platform-wide and has
    no ``org_id``.
    """

    __tablename__ = "plugin_settings"

    # The entry-point name, such as "workplace_readiness".
    plugin_name: Mapped[str] = mapped_column(String(PLUGIN_NAME_MAX), primary_key=True)
    enabled: Mapped[bool]
    # NULL when the change came from the command line.
    changed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_at: Mapped[datetime]

    changed_by_user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PluginSetting {self.plugin_name} enabled={self.enabled}>"
