"""Cross-organisation cases for the platform admin's plugins page.

The page and its buttons show and change platform-wide plugin state, never
an organisation's data, so each is a listing: organisation B's learner must
not appear, and every other role gets 403.
"""

from __future__ import annotations

from typing import Any

from tests.scoping import LISTING, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Add nothing: plugins belong to no organisation."""


ROUTES = {
    "plugins.admin_plugins": Route(LISTING),
    "plugins.enable_plugin": Route(
        LISTING, kwargs=lambda b: {"name": "workplace_readiness"}
    ),
    "plugins.disable_plugin": Route(
        LISTING, kwargs=lambda b: {"name": "workplace_readiness"}
    ),
}
