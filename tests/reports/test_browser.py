"""The matrix in a real browser: filter "one area away", open a learner's report.

The test also saves the screenshot of the matrix that docs/matrix.png shows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins import registry
from laurel.plugins.suites import Suite
from laurel.rosters import services as rosters
from tests.conftest import TEST_PASSWORD, require
from tests.reports.seeding import (
    UnitSeed,
    failed,
    in_progress,
    not_started,
    passed,
    reassigned,
    seed_credential,
    seed_progress,
)

pytestmark = [pytest.mark.browser, pytest.mark.backends("sqlite")]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "matrix.png"

# First name, last name, and how many of the ten areas are passed; the
# learners with nine have one area left, in a state that varies.
CLASS = [
    ("Amara", "Okafor", 10),
    ("Liam", "O'Brien", 9),
    ("Zoë", "Brontë", 9),
    ("Thị Mai", "Nguyễn", 7),
    ("Mateo", "García-López", 5),
    ("민준", "김", 4),
    ("Fatima", "Al-Sayed", 3),
    ("伟", "陈", 2),
    ("Noah", "Schmidt", 1),
    ("Isla", "MacLeod", 0),
]


def area_units(
    suite: Suite, passed_areas: int, instructor: User
) -> dict[str, UnitSeed]:
    """Pass the first areas, then vary what happens in the others."""
    units: dict[str, UnitSeed] = {}
    others = [
        reassigned(45, by=instructor.id),
        in_progress(),
        failed(40),
        not_started(),
    ]
    for index, area in enumerate(suite.areas):
        test, lesson = suite.units_of(area.key)[:2]
        if index < passed_areas:
            units[test.key] = passed(70 + (index * 7 + passed_areas) % 30)
        elif index == passed_areas:
            units[test.key] = failed(55)
            units[lesson.key] = others[passed_areas % len(others)]
        elif passed_areas > 0:
            units[test.key] = not_started()
    return units


@pytest.fixture
def classroom(org: Organisation, make_user: Any, instructor: User) -> dict[str, User]:
    suite = registry.get_suite("workplace_readiness")
    require(suite is not None, "the Workplace Readiness plugin is not installed")
    group = rosters.create_group(org.id, "Year 12 Blue", actor_id=None)
    db.session.commit()
    people = {}
    for first, last, passed_areas in CLASS:
        learner = make_user(org, Role.LEARNER, first_name=first, last_name=last)
        seed_progress(
            org.id, learner.id, suite, area_units(suite, passed_areas, instructor)
        )
        if passed_areas == len(suite.areas):
            seed_credential(org, learner, suite)
        rosters.add_members(group, [learner.id], actor_id=None)
        people[last] = learner
    db.session.commit()
    return people


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def row_names(page: Any) -> list[str]:
    return page.locator("table.matrix tbody th[scope=row] a").all_inner_texts()


def test_matrix_in_browser(live_server, page, instructor, classroom) -> None:
    page.set_viewport_size({"width": 1360, "height": 900})
    log_in(page, live_server, instructor)
    page.get_by_role("link", name="Progress", exact=True).click()
    page.get_by_label("Suite").select_option(label="Workplace Readiness")
    page.get_by_label("Group").select_option(label="Year 12 Blue")
    page.get_by_role("radio", name="areas").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*view=areas.*"))
    assert len(row_names(page)) == len(CLASS)
    assert page.locator("td.cell-passed").first.inner_text().startswith("passed ")
    assert page.get_by_text("not assigned", exact=True).count() >= 1  # the legend
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.get_by_label("are one area away").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r".*one_area_away=1.*"))
    assert row_names(page) == ["Brontë, Zoë", "O'Brien, Liam"]
    assert page.get_by_label("are one area away").is_checked()

    page.get_by_role("link", name="Brontë, Zoë").click()
    page.wait_for_url(re.compile(r".*/reports/learners/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Report: Zoë Brontë"
    missing = page.get_by_text(re.compile(r"areas still missing: "))
    assert missing.count() == 1
    last_area = registry.get_suite("workplace_readiness").areas[-1]
    assert missing.inner_text().endswith(f"areas still missing: {last_area.title}")
    history = page.locator("ol.attempts li").first.inner_text()
    assert re.match(r"Attempt 1: started \d{4}-\d\d-\d\d \d\d:\d\d", history)
