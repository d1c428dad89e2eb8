"""Pages for one credential: its details and the org admin's revoke action."""

from __future__ import annotations

from flask import Blueprint

from laurel.credentials import models  # noqa: F401 - the tables join the metadata

bp = Blueprint("credentials", __name__)
