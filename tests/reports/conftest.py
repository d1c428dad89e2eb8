"""Fixtures of the report tests: a small suite and people to read reports."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from laurel.identity.models import Organisation, Role, User
from laurel.plugins import registry
from laurel.plugins.suites import Suite, build_suite

AREAS = ("communication", "teamwork", "safety", "digital")


def sample_declaration(key: str = "sample", area_pass: str = "any") -> dict[str, Any]:
    """Declare four areas of two units each; the credential needs the first three."""
    areas, units = [], []
    for index, area in enumerate(AREAS):
        areas.append({"key": area, "title": area.capitalize(), "order": index})
        for offset, kind in enumerate(("assessment", "skill_building")):
            units.append(
                {
                    "key": f"{area}_{'test' if offset == 0 else 'lesson'}",
                    "title": f"{area.capitalize()} {kind.replace('_', ' ')}",
                    "area": area,
                    "kind": kind,
                    "order": index * 2 + offset,
                    "draw": 1,
                    "lesson": [{"heading": "Read", "body": "Text."}] if offset else [],
                    "questions": [
                        {
                            "id": f"{key}-{area}-{offset}",
                            "prompt": "Pick one.",
                            "options": ["right", "wrong"],
                            "answer": 0,
                            "explanation": "Because.",
                        }
                    ],
                }
            )
    return {
        "key": key,
        "title": f"Sample suite {key}",
        "version": "1.0",
        "vendor": "Tests",
        "areas": areas,
        "units": units,
        "pricing": {"subscription": None, "unit_credits": 0, "reassign_credits": 0},
        "rules": {"required_areas": list(AREAS[:3]), "area_pass": area_pass},
    }


def install_suite(app: Flask, declaration: dict[str, Any]) -> Suite:
    """Add a validated suite to the app's loaded suites, as a plugin would."""
    suite = build_suite(declaration, plugin="report_tests")
    registry.state(app).suites[suite.key] = suite
    return suite


@pytest.fixture
def suite(app: Flask) -> Suite:
    return install_suite(app, sample_declaration())


@pytest.fixture
def org(make_org: Any) -> Organisation:
    return make_org("school", "Hillside School")


@pytest.fixture
def instructor(make_user: Any, org: Organisation) -> User:
    return make_user(org, Role.INSTRUCTOR, first_name="Ines", last_name="Instructor")
