"""The public verification pages: no login, no organisation's private data."""

from __future__ import annotations

from typing import Any

from tests.scoping import PUBLIC, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    pass


ROUTES = {
    "verify.lookup": Route(PUBLIC),
    "verify.credential": Route(PUBLIC, kwargs=lambda b: {"public_id": "unknown"}),
}
