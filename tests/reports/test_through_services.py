"""The reports read what the assignment and credential services write."""

from __future__ import annotations

from typing import Any

from laurel.identity.models import Role
from tests.assignments.helpers import assign, grant, real_suite, take, unit_of
from tests.reports.pages import matrix_cells, matrix_names


def test_matrix_follows_real_attempts(
    client, login, org, instructor, make_user
) -> None:
    suite = real_suite()
    learner = make_user(org, Role.LEARNER, first_name="Ana", last_name="Real")
    grant(org.id, 20)
    assign(org.id, instructor, [learner])
    first, second = suite.areas[0], suite.areas[1]
    first_test, first_lesson = suite.units_of(first.key)[:2]
    take(unit_of(learner, first_test.key), correct=0)
    lesson = unit_of(learner, first_lesson.key)  # assigned when the test failed
    assert lesson is not None
    take(lesson, correct=first_lesson.draw)
    take(unit_of(learner, suite.units_of(second.key)[0].key), correct=8)

    login(instructor)
    query: dict[str, Any] = {"suite": suite.key, "view": "areas"}
    areas = matrix_cells(
        client.get("/reports/matrix", query_string=query).get_data(as_text=True)
    )
    assert areas["Real, Ana"][:3] == ["passed, 100%", "passed, 80%", "not started"]
    query["view"] = "units"
    units = matrix_cells(
        client.get("/reports/matrix", query_string=query).get_data(as_text=True)
    )
    assert units["Real, Ana"][:2] == ["failed, 1 of 1 attempts used", "passed, 100%"]
    assert units["Real, Ana"][3] == "not assigned"
    failed = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "status": "failed"}
    ).get_data(as_text=True)
    assert matrix_names(failed) == ["Real, Ana"]
    stuck = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "stuck": "1"}
    ).get_data(as_text=True)
    assert matrix_names(stuck) == []


def test_issued_credential_shows_everywhere(
    client, login, org, instructor, make_user
) -> None:
    suite = real_suite()
    learner = make_user(org, Role.LEARNER, first_name="Cy", last_name="Done")
    waiting = make_user(org, Role.LEARNER, first_name="Wen", last_name="Waiting")
    grant(org.id, 20)
    assign(org.id, instructor, [learner, waiting])
    for area in suite.areas:
        take(unit_of(learner, suite.units_of(area.key)[0].key), correct=9)
    for area in suite.areas[:-1]:
        take(unit_of(waiting, suite.units_of(area.key)[0].key), correct=7)

    login(instructor)
    base = {"suite": suite.key}
    earned = client.get("/reports/matrix", query_string={**base, "earned": "1"})
    assert matrix_names(earned.get_data(as_text=True)) == ["Done, Cy"]
    away = client.get("/reports/matrix", query_string={**base, "one_area_away": "1"})
    assert matrix_names(away.get_data(as_text=True)) == ["Waiting, Wen"]
    report = client.get(f"/reports/learners/{learner.id}").get_data(as_text=True)
    assert ", issued " in report
    assert "areas still missing" not in report
    waiting_report = client.get(f"/reports/learners/{waiting.id}").get_data(
        as_text=True
    )
    assert f"areas still missing: {suite.areas[-1].title}" in waiting_report
