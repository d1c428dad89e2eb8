"""Every route, called by each role of organisation A on organisation B.

A user of A must get 403 or 404 for any object of B, and listing pages must
not show B's data. A route in the URL map with no entry in any
``tests/*/scoping_cases.py`` fails the test, so new pages cannot skip it.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from tests.scoping import LISTING, OBJECT, PUBLIC, Route

TESTS_ROOT = Path(__file__).resolve().parent.parent
IGNORED_ENDPOINTS = {"static"}
B_LEARNER_EMAIL = "hidden.learner@org-b.example"
A_ROLES = (Role.ORG_ADMIN, Role.INSTRUCTOR, Role.LEARNER, Role.PLATFORM_ADMIN)


def case_modules() -> list[Any]:
    modules = []
    for path in sorted(TESTS_ROOT.glob("*/scoping_cases.py")):
        modules.append(importlib.import_module(f"tests.{path.parent.name}.scoping_cases"))
    return modules


def all_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for module in case_modules():
        routes.update(module.ROUTES)
    return routes


def build_org_b(make_org: Any, make_user: Any) -> dict[str, Any]:
    org = make_org("org-b", "Organisation B")
    objects: dict[str, Any] = {
        "org": org,
        "learner": make_user(org, Role.LEARNER, email=B_LEARNER_EMAIL, first_name="Hidden"),
        "instructor": make_user(org, Role.INSTRUCTOR),
        "org_admin": make_user(org, Role.ORG_ADMIN),
    }
    for module in case_modules():
        module.build_objects(org, make_user, objects)
    return objects


def b_audit_count(org_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.org_id == org_id)
    )


def test_every_route_has_a_case(app: Flask) -> None:
    routes = all_routes()
    missing = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in IGNORED_ENDPOINTS and rule.endpoint not in routes
    )
    assert not missing, f"routes with no cross-organisation case: {missing}"


@pytest.mark.parametrize("role", A_ROLES, ids=lambda role: role.value)
def test_org_a_cannot_reach_org_b(app: Flask, client, make_org, make_user, login, role: Role) -> None:
    org_a = make_org("org-a", "Organisation A")
    user_a = make_user(None if role is Role.PLATFORM_ADMIN else org_a, role)
    b = build_org_b(make_org, make_user)
    events_before = b_audit_count(b["org"].id)
    routes = all_routes()
    login(user_a)
    problems = []
    for rule in app.url_map.iter_rules():
        route = routes.get(rule.endpoint)
        if route is None or route.kind == PUBLIC:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **route.kwargs(b))
        for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
            problem = check_route(client, method, url, route, b)
            if problem:
                problems.append(f"{method} {url} ({rule.endpoint}): {problem}")
    assert not problems, "\n".join(problems)
    assert b_audit_count(b["org"].id) == events_before, "a request changed organisation B"


def check_route(client, method: str, url: str, route: Route, b: dict[str, Any]) -> str | None:
    data = route.data(b) if method != "GET" else None
    response = client.open(url, method=method, data=data)
    body = response.get_data(as_text=True)
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if route.kind == OBJECT and response.status_code not in (403, 404):
        return f"status {response.status_code}, expected 403 or 404"
    if route.kind == LISTING and B_LEARNER_EMAIL in body:
        return "shows organisation B's learner"
    return None


def test_listing_kind_is_known() -> None:
    kinds = {route.kind for route in all_routes().values()}
    assert kinds <= {OBJECT, LISTING, PUBLIC}
