"""Cross-organisation cases for the health endpoints: no organisation's data."""

from __future__ import annotations

from typing import Any

from tests.scoping import PUBLIC, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Add nothing: health checks belong to no organisation."""


ROUTES = {
    "ops.healthz": Route(PUBLIC),
    "ops.readyz": Route(PUBLIC),
}
