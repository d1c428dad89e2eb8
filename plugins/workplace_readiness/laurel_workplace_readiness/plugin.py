"""Hook implementations of the Workplace Readiness suite.

Ten skill areas, each with two units: an assessment that draws 10 of at
least 15 questions, and a skill-building unit whose lesson is followed by a
post-test that draws 8 of at least 12. An area passes when either of its
units passes; the credential needs all ten areas.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
from typing import Any

from laurel.plugins import hookimpl

from laurel_workplace_readiness.content import content_digest, load_areas

SUITE_KEY = "workplace_readiness"
DISTRIBUTION = "laurel-workplace-readiness"

PRICING = {
    # One learner, all twenty units, for a year; reassignments are free.
    "subscription": {"credits": 5, "term_days": 365, "auto_reassign": True},
    "unit_credits": 1,
    "reassign_credits": 1,
}
RULES = {
    "pass_mark": 70,
    "pass_mark_min": 50,
    "pass_mark_max": 100,
    "required_areas": None,  # all ten
    "area_pass": "any",  # the assessment or the skill-building post-test
    "failed_assessment_assigns_skill_building": True,
}


@hookimpl
def laurel_suites() -> list[dict[str, Any]]:
    return [copy.deepcopy(suite_declaration())]


@functools.cache
def suite_declaration() -> dict[str, Any]:
    """Build the suite declaration from the content files, once per process.

    Raises ``ContentError`` naming the file and field of the first problem.
    """
    areas = load_areas()
    return {
        "key": SUITE_KEY,
        "title": "Workplace Readiness",
        "version": suite_version(),
        "vendor": "Laurel",
        "description": (
            "Ten skill areas that employers look for, each with an assessment "
            "and a skill-building lesson with its own post-test."
        ),
        "areas": [area_declaration(area) for area in areas],
        "units": [unit for area in areas for unit in area_units(area)],
        "pricing": PRICING,
        "rules": RULES,
    }


def suite_version() -> str:
    """Return "<package version>+<content digest>", such as "0.1.0+3f9a0c2b71de".

    The digest changes with any content edit, so a new text never ships
    under the version that stored attempts name.
    """
    try:
        package_version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        package_version = "0"
    return f"{package_version}+{content_digest()}"


def area_declaration(area: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": area["key"],
        "title": area["title"],
        "order": area["order"],
        "summary": area["summary"],
    }


def area_units(area: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the area's assessment (odd order) and skill-building unit (even)."""
    assessment, skill_building = area["assessment"], area["skill_building"]
    return [
        {
            "key": f"{area['key']}_assessment",
            "title": assessment["title"],
            "area": area["key"],
            "kind": "assessment",
            "order": 2 * area["order"] - 1,
            "draw": assessment["draw"],
            "lesson": [],
            "questions": assessment["questions"],
        },
        {
            "key": f"{area['key']}_skill_building",
            "title": skill_building["title"],
            "area": area["key"],
            "kind": "skill_building",
            "order": 2 * area["order"],
            "draw": skill_building["draw"],
            "lesson": skill_building["sections"],
            "questions": skill_building["questions"],
        },
    ]
