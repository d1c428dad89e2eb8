"""Helpers for the cross-organisation route test.

Each domain's tests folder may hold a ``scoping_cases.py`` with:

- ``ROUTES``: endpoint name -> ``Route``, how to call it with organisation
  B's objects;
- ``build_objects(org, make_user, objects)``: adds B's objects of that domain
  to the ``objects`` dict (a learner, a group, a credential...).

``tests/core/test_org_scoping.py`` collects every module, then fails for any
route in the URL map that no module describes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# What a route does with organisation data:
OBJECT = "object"  # loads one of B's objects by id: A's users must get 403 or 404
LISTING = "listing"  # shows the caller's own organisation: B's data must not appear
PUBLIC = "public"  # needs no login and shows no organisation's private data


@dataclass(frozen=True)
class Route:
    kind: str = OBJECT
    # URL arguments built from B's objects, e.g. lambda b: {"user_id": b["learner"].id}
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda b: {})
    # Form or JSON data to send with POST, PUT, PATCH and DELETE requests.
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda b: {})
