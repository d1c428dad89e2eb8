"""Menu entries and header items, which core domains and plugins add to.

A domain or plugin calls ``add_nav_item`` and ``add_header_item`` from its
``init_app`` or blueprint ``record_once`` callback; the base template shows
the entries allowed for the signed-in user's role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from laurel.identity.models import Role

EXTENSION_KEY = "laurel.ui"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset[Role]
    order: int


@dataclass
class UiRegistry:
    nav_items: list[NavItem]
    header_items: list[Callable[[], Markup | str | None]]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = UiRegistry(nav_items=[], header_items=[])
    app.jinja_env.add_extension("jinja2.ext.do")
    app.context_processor(
        lambda: {
            "main_navigation": main_navigation,
            "header_items": header_items,
            "has_endpoint": has_endpoint,
        }
    )


def registry(app: Flask | None = None) -> UiRegistry:
    return (app or current_app).extensions[EXTENSION_KEY]


def add_nav_item(
    app: Flask, endpoint: str, label: str, roles: Iterable[Role], order: int = 100
) -> None:
    """Show a menu link to ``endpoint`` for users with one of ``roles``."""
    registry(app).nav_items.append(NavItem(endpoint, label, frozenset(roles), order))


def add_header_item(app: Flask, render: Callable[[], Markup | str | None]) -> None:
    """Show ``render()``'s markup in the header of every page, when not None."""
    registry(app).header_items.append(render)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    current: bool


def main_navigation() -> list[NavLink]:
    items = sorted(registry().nav_items, key=lambda item: item.order)
    return [
        NavLink(url_for(item.endpoint), item.label, request.endpoint == item.endpoint)
        for item in items
        if current_user.is_authenticated and current_user.role in item.roles
    ]


def header_items() -> list[Markup | str]:
    rendered = (render() for render in registry().header_items)
    return [item for item in rendered if item]


def has_endpoint(endpoint: str) -> bool:
    """Tell templates whether an optional page (a plugin's, say) exists."""
    return endpoint in current_app.view_functions
