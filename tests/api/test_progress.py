"""/api/v1/learners/{id}/progress and /api/v1/progress, the progress matrix.

Progress comes from the real assignment, attempt and credential services.
Tests that need a suite of their own or many learners seed the rows
straight into the tables instead, as the report tests do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from laurel.assignments import attempts
from laurel.assignments import services as assignments
from laurel.assignments.models import AssignmentKind
from laurel.assignments.selection import Selection
from laurel.credentials import services as credentials
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Organisation, Role, User
from laurel.identity.services import utcnow
from laurel.plugins import registry
from laurel.plugins.registry import get_suite
from laurel.plugins.suites import Suite
from laurel.rosters import services as rosters

from tests.api.conftest import ApiClient
from tests.assignments.helpers import assign, grant, real_suite, take, unit_of
from tests.reports.conftest import install_suite, sample_declaration
from tests.reports.seeding import (
    bulk_learners,
    bulk_progress,
    failed,
    in_progress,
    passed,
    seed_credential,
    seed_progress,
)
from tests.reports.test_matrix_statements import counted_statements

FOOD_SAFETY = "food_safety_basics"


@pytest.fixture
def org(make_org):  # noqa: ANN001, ANN201
    return make_org()


@pytest.fixture
def api(api_client, org) -> ApiClient:  # noqa: ANN001
    return api_client(org)


@pytest.fixture
def instructor(make_user, org) -> User:  # noqa: ANN001
    return make_user(org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor")


@pytest.fixture
def suite(app: Flask) -> Suite:
    return real_suite()


def subscribe(org: Organisation, instructor: User | None, users: list[User]) -> None:
    """Buy the credits for Workplace Readiness subscriptions, then assign them."""
    grant(org.id, 5 * len(users))
    assign(org.id, instructor, users)


def learner(make_user: Any, org: Organisation, first: str, last: str) -> User:
    return make_user(org, Role.LEARNER, first_name=first, last_name=last)


def assessment(suite: Suite, area_index: int) -> str:
    return suite.units_of(suite.areas[area_index].key)[0].key


def skill_building(suite: Suite, area_index: int) -> str:
    unit = suite.skill_building_unit(suite.areas[area_index].key)
    assert unit is not None
    return unit.key


def take_unit(user: User, unit_key: str, correct: int) -> None:
    ua = unit_of(user, unit_key)
    assert ua is not None, f"{unit_key} is not assigned to user {user.id}"
    take(ua, correct)


def start_unit(user: User, unit_key: str) -> None:
    ua = unit_of(user, unit_key)
    assert ua is not None, f"{unit_key} is not assigned to user {user.id}"
    attempts.start_attempt(ua)
    db.session.commit()


def fail_for_good(user: User, suite: Suite, area_index: int) -> None:
    """Fail an area's assessment, then its skill-building unit twice.

    The failed assessment assigns the skill-building unit, whose first
    failure reassigns it once automatically, so the second leaves the area
    with no attempts: the learner is stuck.
    """
    take_unit(user, assessment(suite, area_index), correct=0)
    take_unit(user, skill_building(suite, area_index), correct=0)
    take_unit(user, skill_building(suite, area_index), correct=0)


def earn_credential(user: User, suite: Suite) -> None:
    for index in range(len(suite.areas)):
        take_unit(user, assessment(suite, index), correct=9)


def progress_of(api: ApiClient, user: User) -> dict[str, Any]:
    response = api.get(f"/api/v1/learners/{user.id}/progress")
    assert response.status_code == 200, response.json
    return response.json


def units_by_key(suite_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["unit_key"]: unit for unit in suite_data["units"]}


# One learner's progress


def test_learner_without_suites(api, org, make_user) -> None:
    user = learner(make_user, org, "Nia", "Nothing")
    assert progress_of(api, user) == {"learner_id": user.id, "suites": []}


def test_learner_units_in_several_states(
    api, org, instructor, make_user, suite
) -> None:
    user = learner(make_user, org, "Sam", "States")
    subscribe(org, instructor, [user])
    take_unit(user, assessment(suite, 0), correct=0)
    take_unit(user, skill_building(suite, 0), correct=0)
    take_unit(user, assessment(suite, 1), correct=10)
    start_unit(user, assessment(suite, 2))

    data = progress_of(api, user)
    assert data["learner_id"] == user.id
    assert len(data["suites"]) == 1
    item = data["suites"][0]
    assert item["suite_key"] == suite.key
    assert item["suite_title"] == suite.title
    assert item["suite_version"] == suite.version
    assert item["suite_loaded"] is True
    assert item["kind"] == "subscription"
    assert item["term_start"].endswith("+00:00")
    assert item["term_end"].endswith("+00:00")
    assert item["expired"] is False
    assert item["auto_reassign"] is True
    assert item["credential"] is None

    units = units_by_key(item)
    failed_test = units[assessment(suite, 0)]
    assert failed_test["status"] == "failed"
    assert failed_test["attempts_used"] == 1
    assert failed_test["attempts_allowed"] == 1
    assert failed_test["attempts_left"] == 0
    assert failed_test["last_score"] == 0
    assert failed_test["passed_at"] is None
    assert failed_test["last_attempt_at"].endswith("+00:00")
    reassigned = units[skill_building(suite, 0)]
    assert reassigned["status"] == "reassigned"
    assert reassigned["attempts_used"] == 1
    assert reassigned["attempts_allowed"] == 2
    assert reassigned["attempts_left"] == 1
    assert reassigned["extra_attempts"] == 0
    assert reassigned["unit_kind"] == "skill_building"
    passed_test = units[assessment(suite, 1)]
    assert passed_test["status"] == "passed"
    assert passed_test["best_score"] == 100
    assert passed_test["passed_score"] == 100
    assert passed_test["passed_at"].endswith("+00:00")
    assert passed_test["unit_kind"] == "assessment"
    assert units[assessment(suite, 2)]["status"] == "in_progress"
    assert units[assessment(suite, 3)]["status"] == "not_started"
    assert units[assessment(suite, 3)]["best_score"] is None

    row = unit_of(user, skill_building(suite, 0))
    assert row is not None
    assert reassigned["id"] == row.id
    first_area = suite.areas[0]
    assert passed_test["area_key"] == suite.areas[1].key
    assert failed_test["area_title"] == first_area.title
    assert failed_test["unit_title"] == suite.units_of(first_area.key)[0].title
    positions = [suite.unit(unit["unit_key"]).order for unit in item["units"]]
    assert positions == sorted(positions)

    second = suite.areas[1]
    assert item["passed_areas"] == [
        {"key": second.key, "title": second.title, "required": True}
    ]
    missing = [area["key"] for area in item["missing_areas"]]
    assert missing == [area.key for area in suite.areas if area.key != second.key]


def test_learner_with_credential_then_revoked(
    api, org, instructor, make_user, suite
) -> None:
    user = learner(make_user, org, "Cy", "Done")
    subscribe(org, instructor, [user])
    earn_credential(user, suite)
    credential = credentials.credential_for(user.id, suite.key)
    assert credential is not None

    item = progress_of(api, user)["suites"][0]
    assert item["missing_areas"] == []
    assert len(item["passed_areas"]) == len(suite.areas)
    issued = item["credential"]
    assert issued["public_id"] == credential.public_id
    assert issued["code"] == credential.code
    assert issued["issued_at"].endswith("+00:00")
    assert issued["revoked"] is False
    assert issued["revoked_at"] is None
    assert issued["verification_url"].endswith(f"/verify/{credential.public_id}")

    assert credentials.revoke(credential, "issued in error", instructor.id)
    db.session.commit()
    revoked = progress_of(api, user)["suites"][0]["credential"]
    assert revoked["public_id"] == credential.public_id
    assert revoked["revoked"] is True
    assert revoked["revoked_at"].endswith("+00:00")


def test_learner_units_kind_and_expired_term(
    api, org, instructor, make_user, suite
) -> None:
    user = learner(make_user, org, "Ola", "Older")
    food = get_suite(FOOD_SAFETY)
    assert food is not None, "the Food Safety Basics suite is not loaded"
    grant(org.id, 10)
    long_ago = utcnow() - timedelta(days=400)
    subscription = assignments.AssignChoice(suite, AssignmentKind.SUBSCRIPTION)
    units = assignments.AssignChoice(
        food, AssignmentKind.UNITS, (food.units[0].key,), False
    )
    for choice, now in ((subscription, long_ago), (units, None)):
        assignments.assign(
            org.id,
            instructor.id,
            choice,
            Selection(user_ids=(user.id,)),
            assignments.new_request_token(),
            None,
            now=now,
        )
        db.session.commit()

    by_key = {item["suite_key"]: item for item in progress_of(api, user)["suites"]}
    assert list(by_key) == [suite.key, FOOD_SAFETY]  # oldest assignment first
    expired = by_key[suite.key]
    assert expired["expired"] is True
    assert expired["kind"] == "subscription"
    bought = by_key[FOOD_SAFETY]
    assert bought["kind"] == "units"
    assert bought["expired"] is False
    assert bought["term_start"] is None
    assert bought["term_end"] is None
    assert bought["auto_reassign"] is False
    assert [unit["unit_key"] for unit in bought["units"]] == [food.units[0].key]
    assert bought["passed_areas"] == []
    assert [area["key"] for area in bought["missing_areas"]] == ["hygiene", "storage"]


def test_learner_area_pass_all_rule(app, api, org, make_user) -> None:
    strict = install_suite(app, sample_declaration("strict", area_pass="all"))
    user = learner(make_user, org, "Ali", "All")
    seed_progress(
        org.id,
        user.id,
        strict,
        {
            "communication_test": passed(90),
            "communication_lesson": passed(80),
            "teamwork_test": passed(75),
            "teamwork_lesson": failed(40),
        },
    )
    item = progress_of(api, user)["suites"][0]
    assert [area["key"] for area in item["passed_areas"]] == ["communication"]
    assert [area["key"] for area in item["missing_areas"]] == ["teamwork", "safety"]


def test_learner_suite_not_loaded(app, api, org, make_user) -> None:
    unloaded = install_suite(app, sample_declaration("unloaded"))
    user = learner(make_user, org, "Uma", "Unloaded")
    seed_progress(
        org.id,
        user.id,
        unloaded,
        {"communication_test": passed(90), "teamwork_test": failed(30)},
    )
    del registry.state(app).suites[unloaded.key]

    item = progress_of(api, user)["suites"][0]
    assert item["suite_loaded"] is False
    assert item["suite_title"] == "unloaded"
    assert item["suite_version"] == unloaded.version
    assert [unit["unit_title"] for unit in item["units"]] == [
        "communication_test",
        "teamwork_test",
    ]
    assert item["passed_areas"] == [
        {"key": "communication", "title": "communication", "required": False}
    ]
    assert item["missing_areas"] is None


def test_learner_progress_for_org_admin_token(
    api_client, org, instructor, make_user
) -> None:
    user = learner(make_user, org, "Ada", "Admin")
    subscribe(org, instructor, [user])
    admin_api = api_client(org, Role.ORG_ADMIN)
    assert len(progress_of(admin_api, user)["suites"]) == 1


def test_learner_progress_not_found(api, org, instructor, make_org, make_user) -> None:
    other = make_org()
    stranger = learner(make_user, other, "Sol", "Stranger")
    subscribe(other, None, [stranger])
    admin = make_user(org, Role.ORG_ADMIN)
    for user_id in (stranger.id, instructor.id, admin.id, 2_147_483_647):
        response = api.get(f"/api/v1/learners/{user_id}/progress")
        assert response.status_code == 404, user_id
        assert response.json["message"] == (
            f"learner {user_id} was not found in this organisation."
        )
        assert "Stranger" not in response.get_data(as_text=True)


def test_learner_progress_needs_token(client, org, make_user) -> None:
    user = learner(make_user, org, "Tia", "Token")
    response = client.get(f"/api/v1/learners/{user.id}/progress")
    assert response.status_code == 401


# The matrix


@pytest.fixture
def cohort(org, instructor, make_user, suite) -> dict[str, Any]:  # noqa: ANN001
    """Six learners whose states cover every filter, and a group of two."""
    people = {
        "ada": learner(make_user, org, "Ada", "Adams"),
        "ben": learner(make_user, org, "Ben", "Brown"),
        "cleo": learner(make_user, org, "Cleo", "Clark"),
        "dev": learner(make_user, org, "Dev", "Davis"),
        "eve": learner(make_user, org, "Eve", "Evans"),
        "finn": learner(make_user, org, "Finn", "Fox"),
    }
    people["ada"].external_id = "S-100"
    db.session.commit()
    subscribe(
        org,
        instructor,
        [people[name] for name in ("ada", "ben", "cleo", "dev", "finn")],
    )
    # Ada: every area passed at 90%, so the credential is issued.
    earn_credential(people["ada"], suite)
    # Ben: every area but the last passed: one area away.
    for index in range(len(suite.areas) - 1):
        take_unit(people["ben"], assessment(suite, index), correct=8)
    # Cleo: the second area passed, the first failed with no attempts left.
    take_unit(people["cleo"], assessment(suite, 1), correct=10)
    fail_for_good(people["cleo"], suite, 0)
    # Dev: one attempt open. Eve has no suite.
    start_unit(people["dev"], assessment(suite, 0))
    # Finn: one area passed, then deactivated.
    take_unit(people["finn"], assessment(suite, 0), correct=10)
    identity.deactivate_user(people["finn"], instructor.id)
    group = rosters.create_group(org.id, "Year 10", actor_id=None)
    rosters.add_members(group, [people["ada"].id, people["dev"].id], actor_id=None)
    db.session.commit()
    return {**people, "group": group}


def matrix(api: ApiClient, **args: Any) -> dict[str, Any]:
    response = api.get("/api/v1/progress", query_string=args)
    assert response.status_code == 200, response.json
    return response.json


def last_names(data: dict[str, Any]) -> list[str]:
    return [row["last_name"] for row in data["items"]]


def test_matrix_rows_and_cells(api, suite, cohort) -> None:
    data = matrix(api)
    assert data["suite"]["key"] == suite.key  # the assigned suite comes first
    assert data["suite"]["title"] == suite.title
    assert data["suite"]["version"] == suite.version
    assert [area["key"] for area in data["suite"]["areas"]] == [
        area.key for area in suite.areas
    ]
    assert all(area["required"] for area in data["suite"]["areas"])
    assert data["view"] == "units"
    assert data["sort"] == "name"
    assert [column["key"] for column in data["columns"]] == [
        unit.key for unit in suite.units
    ]
    first = suite.areas[0]
    assert data["columns"][0]["heading"] == f"{first.title}: assessment"
    assert data["columns"][0]["title"] == suite.units[0].title
    assert last_names(data) == ["Adams", "Brown", "Clark", "Davis", "Evans"]
    assert data["total"] == 5
    assert data["pages"] == 1

    rows = {row["first_name"]: row for row in data["items"]}
    ada = rows["Ada"]
    assert ada["learner_id"] == cohort["ada"].id
    assert ada["email"] == cohort["ada"].email
    assert ada["external_id"] == "S-100"
    assert ada["active"] is True
    assert ada["groups"] == [{"id": cohort["group"].id, "name": "Year 10"}]
    assert ada["has_suite"] is True
    assert ada["areas_passed"] == len(suite.areas)
    assert ada["required_passed"] == len(suite.areas)
    credential = credentials.credential_for(cohort["ada"].id, suite.key)
    assert credential is not None
    assert ada["credential"]["public_id"] == credential.public_id
    assert ada["credential"]["code"] == credential.code
    assert ada["credential"]["revoked"] is False
    assert ada["credential"]["verification_url"].endswith(
        f"/verify/{credential.public_id}"
    )
    assert ada["cells"][0] == {
        "column": suite.units[0].key,
        "state": "passed",
        "score": 90,
        "attempts_used": 1,
        "attempts_allowed": 1,
        "text": "passed, 90%",
    }
    assert ada["cells"][1]["state"] == "not_assigned"

    cleo = {cell["column"]: cell for cell in rows["Cleo"]["cells"]}
    assert cleo[assessment(suite, 0)]["state"] == "failed"
    lesson = cleo[skill_building(suite, 0)]
    assert lesson["state"] == "failed"
    assert lesson["attempts_used"] == 2
    assert lesson["attempts_allowed"] == 2
    assert lesson["text"] == "failed, 2 of 2 attempts used"
    assert rows["Cleo"]["areas_passed"] == 1
    assert rows["Cleo"]["credential"] is None
    assert rows["Dev"]["cells"][0]["state"] == "in_progress"
    assert rows["Dev"]["groups"] == [{"id": cohort["group"].id, "name": "Year 10"}]
    eve = rows["Eve"]
    assert eve["has_suite"] is False
    assert eve["areas_passed"] == 0
    assert eve["groups"] == []
    assert {cell["state"] for cell in eve["cells"]} == {"not_assigned"}
    assert len(eve["cells"]) == len(suite.units)


def test_matrix_revoked_credential(api, instructor, suite, cohort) -> None:
    credential = credentials.credential_for(cohort["ada"].id, suite.key)
    assert credential is not None
    credentials.revoke(credential, "issued in error", instructor.id)
    db.session.commit()
    ada = matrix(api)["items"][0]
    assert ada["credential"]["revoked"] is True
    assert ada["credential"]["revoked_at"].endswith("+00:00")
    assert last_names(matrix(api, earned="true")) == []


def test_matrix_filters_and_sorts(api, suite, cohort) -> None:
    group = str(cohort["group"].id)
    cases: list[tuple[dict[str, str], list[str]]] = [
        ({}, ["Adams", "Brown", "Clark", "Davis", "Evans"]),
        (
            {"include_inactive": "true"},
            ["Adams", "Brown", "Clark", "Davis", "Evans", "Fox"],
        ),
        ({"group": group}, ["Adams", "Davis"]),
        ({"status": "in_progress"}, ["Davis"]),
        ({"status": "failed"}, ["Clark"]),
        ({"status": "passed"}, ["Adams", "Brown", "Clark"]),
        (
            {"status": "passed", "include_inactive": "true"},
            ["Adams", "Brown", "Clark", "Fox"],
        ),
        ({"status": "not_started"}, ["Brown", "Clark", "Davis"]),
        ({"status": "reassigned"}, []),
        ({"status": "not_assigned"}, ["Adams", "Brown", "Clark", "Davis", "Evans"]),
        ({"earned": "true"}, ["Adams"]),
        ({"one_area_away": "true"}, ["Brown"]),
        ({"stuck": "true"}, ["Clark"]),
        ({"stuck": "true", "status": "passed"}, ["Clark"]),
        ({"stuck": "true", "group": group}, []),
        ({"sort": "name"}, ["Adams", "Brown", "Clark", "Davis", "Evans"]),
        ({"sort": "progress"}, ["Adams", "Brown", "Clark", "Davis", "Evans"]),
        ({"sort": "progress_asc"}, ["Davis", "Evans", "Clark", "Brown", "Adams"]),
        ({"sort": "progress_asc", "group": group}, ["Davis", "Adams"]),
        (
            {"sort": "progress_asc", "include_inactive": "true"},
            ["Davis", "Evans", "Clark", "Fox", "Brown", "Adams"],
        ),
        (
            {"suite": suite.key, "view": "areas"},
            ["Adams", "Brown", "Clark", "Davis", "Evans"],
        ),
    ]
    problems = []
    for args, expected in cases:
        data = matrix(api, **args)
        if last_names(data) != expected:
            problems.append(f"{args}: {last_names(data)}, expected {expected}")
        if data["total"] != len(expected):
            problems.append(f"{args}: total {data['total']}, expected {len(expected)}")
    assert not problems, "\n".join(problems)
    assert matrix(api, sort="progress_asc")["sort"] == "progress_asc"


def test_matrix_area_view(api, suite, cohort) -> None:
    data = matrix(api, view="areas")
    assert data["view"] == "areas"
    assert [column["key"] for column in data["columns"]] == [
        area.key for area in suite.areas
    ]
    assert data["columns"][0]["heading"] == suite.areas[0].title
    rows = {row["first_name"]: row for row in data["items"]}
    assert {cell["state"] for cell in rows["Ada"]["cells"]} == {"passed"}
    cleo = rows["Cleo"]["cells"]
    assert cleo[0]["column"] == suite.areas[0].key
    assert cleo[0]["state"] == "failed"
    assert cleo[0]["attempts_used"] == 3  # the assessment's 1 and the lesson's 2
    assert cleo[0]["attempts_allowed"] == 3
    assert cleo[1]["state"] == "passed"
    assert cleo[1]["score"] == 100
    assert cleo[2]["state"] == "not_started"
    assert len(rows["Eve"]["cells"]) == len(suite.areas)


def test_matrix_other_suite(api, cohort) -> None:
    data = matrix(api, suite=FOOD_SAFETY)
    assert data["suite"]["key"] == FOOD_SAFETY
    assert last_names(data) == ["Adams", "Brown", "Clark", "Davis", "Evans"]
    assert {row["has_suite"] for row in data["items"]} == {False}
    assert {row["credential"] is None for row in data["items"]} == {True}
    assert [column["key"] for column in data["columns"]] == [
        "hygiene_check",
        "storage_lesson",
    ]


@pytest.mark.parametrize("sort", ["name", "progress"])
def test_matrix_pagination(api, cohort, sort: str) -> None:
    pages = [matrix(api, per_page=2, page=page, sort=sort) for page in (1, 2, 3, 4)]
    assert [last_names(page) for page in pages] == [
        ["Adams", "Brown"],
        ["Clark", "Davis"],
        ["Evans"],
        [],
    ]
    for number, page in enumerate(pages, start=1):
        assert page["page"] == number
        assert page["per_page"] == 2
        assert page["total"] == 5, number
        assert page["pages"] == 3, number


def test_matrix_default_page_size(app, api, cohort) -> None:
    app.config["LAUREL_PAGE_SIZE"] = 3
    data = matrix(api)
    assert data["per_page"] == 3
    assert last_names(data) == ["Adams", "Brown", "Clark"]
    assert data["pages"] == 2


def test_matrix_without_learners(api, suite) -> None:
    data = matrix(api, suite=suite.key)
    assert data["items"] == []
    assert data["total"] == 0
    assert data["pages"] == 1
    assert matrix(api, suite=suite.key, page=2)["total"] == 0


@pytest.mark.parametrize(
    "name, value",
    [
        ("status", "stalled"),
        ("status", ""),
        ("sort", "age"),
        ("view", "grid"),
        ("earned", "maybe"),
        ("one_area_away", "2"),
        ("stuck", "yes please"),
        ("include_inactive", "sometimes"),
        ("group", "abc"),
        ("group", "0"),
        ("group", "2147483648"),
        ("page", "0"),
        ("per_page", "201"),
        ("suite", "x" * 65),
    ],
)
def test_matrix_bad_values_named(api, name: str, value: str) -> None:
    response = api.get("/api/v1/progress", query_string={name: value})
    assert response.status_code == 422, response.json
    assert response.json["message"].startswith(f"query parameter {name}: ")
    assert name in response.json["errors"]["query"]


def test_matrix_choices_listed(api) -> None:
    response = api.get("/api/v1/progress", query_string={"sort": "age"})
    assert response.json["errors"]["query"]["sort"] == [
        "Must be one of: name, progress, progress_asc."
    ]


@pytest.mark.parametrize("name", ["inactive", "org_id", "q"])
def test_matrix_unknown_parameters(api, name: str) -> None:
    response = api.get("/api/v1/progress", query_string={name: "1"})
    assert response.status_code == 422
    assert response.json["message"] == f"query parameter {name}: Unknown field."


def test_matrix_unknown_suite(api, suite) -> None:
    response = api.get("/api/v1/progress", query_string={"suite": "no_such_suite"})
    assert response.status_code == 404
    message = response.json["message"]
    assert message.startswith("suite: Suite 'no_such_suite' is not available here")
    assert suite.key in message
    assert response.json["errors"] == {"query": {"suite": [message[len("suite: ") :]]}}


def test_matrix_group_of_other_org(api, make_org) -> None:
    other = make_org()
    group = rosters.create_group(other.id, "Their group", actor_id=None)
    db.session.commit()
    for group_id in (group.id, 2_147_483_647):
        response = api.get("/api/v1/progress", query_string={"group": group_id})
        assert response.status_code == 404, group_id
        assert response.json["message"] == (
            f"group {group_id} was not found in this organisation."
        )


def test_matrix_hides_other_org(api, make_org, make_user, cohort) -> None:
    other = make_org()
    stranger = make_user(other, Role.LEARNER, email="stranger@other.example")
    subscribe(other, None, [stranger])
    for args in ({}, {"include_inactive": "true"}, {"status": "not_started"}):
        body = api.get("/api/v1/progress", query_string=args).get_data(as_text=True)
        assert "stranger@other.example" not in body, args


@pytest.fixture
def no_plugins(app_config):  # noqa: ANN001, ANN201
    app_config["PLUGINS"] = ""
    return app_config


def test_matrix_without_any_suite(no_plugins, api) -> None:
    response = api.get("/api/v1/progress")
    assert response.status_code == 404
    assert response.json["message"].startswith(
        "suite: No suite is available to this organisation yet"
    )


def test_matrix_for_org_admin_token(api_client, org, cohort) -> None:
    admin_api = api_client(org, Role.ORG_ADMIN)
    assert matrix(admin_api)["total"] == 5


# Statements per page


def page_statements(api: ApiClient, **args: Any) -> tuple[int, int]:
    """Return the statements one matrix request sent and the rows it returned."""
    with counted_statements() as statements:
        response = api.get("/api/v1/progress", query_string=args)
    assert response.status_code == 200, response.json
    return len(statements), len(response.json["items"])


def seed_learners(
    org: Organisation, suite: Suite, count: int, group_id: int, credential: bool
) -> None:
    ids = bulk_learners(
        org,
        count,
        name=lambda i, start=count: (f"First{i:05d}", f"Bulk{i:05d}-{start}"),
        group_id=group_id,
    )
    # Over the first three areas, so that learners 0, 2, 4... are stuck: both
    # units of one area failed with no attempts left.
    states = [passed(85), failed(40), failed(35), in_progress()]
    plans = [
        (
            learner_id,
            {
                unit.key: states[(i + n + 1) % len(states)]
                for n, unit in enumerate(suite.units[:6])
            },
        )
        for i, learner_id in enumerate(ids)
    ]
    bulk_progress(org.id, suite, plans)
    if credential:
        user = db.session.get(User, ids[0])
        assert user is not None
        seed_credential(org, user, suite)


def test_matrix_statement_count_is_constant(api, org, suite) -> None:
    group = rosters.create_group(org.id, "Everyone", actor_id=None)
    rosters.create_group(org.id, "Nobody", actor_id=None)
    db.session.commit()
    seed_learners(org, suite, 1, group.id, credential=True)
    api.get("/api/v1/progress")  # notes the token's use, which writes once a minute
    filtered = {"group": group.id, "status": "failed", "sort": "progress"}
    views = [{}, {"view": "areas", "stuck": "true"}, filtered]

    small = [page_statements(api, **args) for args in views]
    assert [rows for _, rows in small] == [1, 1, 1]

    seed_learners(org, suite, 119, group.id, credential=True)
    large = [page_statements(api, **args) for args in views]
    assert [rows for _, rows in large] == [50, 50, 50]
    assert [count for count, _ in large] == [count for count, _ in small]
    later, rows = page_statements(api, page=2)
    assert rows == 50
    assert later == small[0][0]
