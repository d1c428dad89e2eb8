"""The progress matrix: cells, filters, sorting, paging and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.suites import Suite
from laurel.rosters import services as rosters
from tests.reports.conftest import install_suite, sample_declaration
from tests.reports.pages import matrix_cells, matrix_names
from tests.reports.seeding import (
    bulk_learners,
    failed,
    in_progress,
    not_started,
    passed,
    reassigned,
    seed_credential,
    seed_progress,
)


def all_areas_passed() -> dict[str, Any]:
    return {
        "communication_test": passed(90),
        "teamwork_test": passed(80),
        "safety_test": passed(75),
        "digital_test": passed(70),
    }


@pytest.fixture
def cohort(
    org: Organisation, suite: Suite, make_user: Any, instructor: User
) -> dict[str, User]:
    """Seven learners whose states cover every filter."""

    def learner(first: str, last: str) -> User:
        return make_user(org, Role.LEARNER, first_name=first, last_name=last)

    people = {
        "ada": learner("Ada", "Adams"),
        "ben": learner("Ben", "Brown"),
        "cleo": learner("Cleo", "Clark"),
        "dev": learner("Dev", "Davis"),
        "eve": learner("Eve", "Evans"),
        "finn": learner("Finn", "Fox"),
        "gus": learner("Gus", "Green"),
    }
    # Ada: every area passed, credential issued.
    seed_progress(org.id, people["ada"].id, suite, all_areas_passed())
    seed_credential(org, people["ada"], suite)
    # Ben: two required areas passed; safety failed twice with no attempt left.
    seed_progress(
        org.id,
        people["ben"].id,
        suite,
        {
            "communication_test": passed(88),
            "teamwork_test": passed(72),
            "safety_test": failed(40),
            "safety_lesson": failed(50, 55),
            "digital_test": not_started(),
        },
    )
    # Cleo: two required areas passed; safety reassigned by the instructor.
    seed_progress(
        org.id,
        people["cleo"].id,
        suite,
        {
            "communication_test": passed(95),
            "teamwork_test": passed(30, 85),
            "safety_test": failed(45),
            "safety_lesson": reassigned(60, by=instructor.id),
        },
    )
    # Dev: one area passed, one attempt open.
    seed_progress(
        org.id,
        people["dev"].id,
        suite,
        {"communication_test": passed(70), "teamwork_test": in_progress()},
    )
    # Eve has no suite. Finn passed every required area; the credential is revoked.
    seed_progress(org.id, people["finn"].id, suite, all_areas_passed())
    seed_credential(org, people["finn"], suite, revoked=True)
    # Gus: the safety assessment failed for good, but its lesson passed.
    seed_progress(
        org.id,
        people["gus"].id,
        suite,
        {"safety_test": failed(20), "safety_lesson": passed(90)},
    )
    return people


def names(client: Any, suite: Suite, **args: str) -> list[str]:
    response = client.get("/reports/matrix", query_string={"suite": suite.key, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return matrix_names(response.get_data(as_text=True))


def test_matrix_cells_show_each_state(client, login, instructor, suite, cohort) -> None:
    login(instructor)
    response = client.get("/reports/matrix", query_string={"suite": suite.key})
    body = response.get_data(as_text=True)
    cells = matrix_cells(body)
    columns = [unit.key for unit in suite.units]
    ben = dict(zip(columns, cells["Brown, Ben"], strict=True))
    assert ben["communication_test"] == "passed, 88%"
    assert ben["safety_lesson"] == "failed, 2 of 2 attempts used"
    assert ben["digital_test"] == "not started"
    assert ben["digital_lesson"] == "not assigned"
    cleo = dict(zip(columns, cells["Clark, Cleo"], strict=True))
    assert cleo["safety_lesson"] == "reassigned, 1 of 2 attempts used"
    assert cleo["teamwork_test"] == "passed, 85%"
    dev = dict(zip(columns, cells["Davis, Dev"], strict=True))
    assert dev["teamwork_test"] == "in progress"
    assert cells["Evans, Eve"] == ["not assigned"] * len(columns)
    assert ">passed 88%<" in body
    assert ">failed 2/2<" in body
    assert "Legend" in body


def test_matrix_area_view(client, login, instructor, suite, cohort) -> None:
    login(instructor)
    response = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "view": "areas"}
    )
    cells = matrix_cells(response.get_data(as_text=True))
    assert cells["Brown, Ben"] == [
        "passed, 88%",
        "passed, 72%",
        "failed, 3 of 3 attempts used",
        "not started",
    ]
    assert cells["Clark, Cleo"][2] == "reassigned, 1 of 2 attempts used"
    assert cells["Davis, Dev"][1] == "in progress"
    assert cells["Green, Gus"][2] == "passed, 90%"


def test_matrix_shows_progress_and_credential(
    client, login, instructor, suite, cohort
) -> None:
    login(instructor)
    body = client.get("/reports/matrix", query_string={"suite": suite.key}).get_data(
        as_text=True
    )
    ada_code = db.session.get(User, cohort["ada"].id) and cohort_code(cohort["ada"])
    assert f"{ada_code}</td>" in body
    assert "4 of 4</td>" in body  # Ada and Finn
    assert "revoked</span>" in body


def cohort_code(learner: User) -> str:
    from sqlalchemy import select

    from laurel.credentials.models import Credential

    return db.session.scalar(
        select(Credential.code).where(Credential.learner_id == learner.id)
    )


FILTER_CASES = {
    "everyone": (
        {},
        [
            "Adams, Ada",
            "Brown, Ben",
            "Clark, Cleo",
            "Davis, Dev",
            "Evans, Eve",
            "Fox, Finn",
            "Green, Gus",
        ],
    ),
    "earned": ({"earned": "1"}, ["Adams, Ada"]),
    "one area away": ({"one_area_away": "1"}, ["Brown, Ben", "Clark, Cleo"]),
    "stuck": ({"stuck": "1"}, ["Brown, Ben"]),
    "one away and stuck": ({"one_area_away": "1", "stuck": "1"}, ["Brown, Ben"]),
    "status failed": (
        {"status": "failed"},
        ["Brown, Ben", "Clark, Cleo", "Green, Gus"],
    ),
    "status reassigned": ({"status": "reassigned"}, ["Clark, Cleo"]),
    "status in progress": ({"status": "in_progress"}, ["Davis, Dev"]),
    "status not started": ({"status": "not_started"}, ["Brown, Ben"]),
    "status passed": (
        {"status": "passed"},
        [
            "Adams, Ada",
            "Brown, Ben",
            "Clark, Cleo",
            "Davis, Dev",
            "Fox, Finn",
            "Green, Gus",
        ],
    ),
    "status not assigned": (
        {"status": "not_assigned"},
        [
            "Adams, Ada",
            "Brown, Ben",
            "Clark, Cleo",
            "Davis, Dev",
            "Evans, Eve",
            "Fox, Finn",
            "Green, Gus",
        ],
    ),
    "passed and stuck": ({"status": "passed", "stuck": "1"}, ["Brown, Ben"]),
}


@pytest.mark.parametrize("case", FILTER_CASES, ids=str)
def test_matrix_filter(client, login, instructor, suite, cohort, case: str) -> None:
    args, expected = FILTER_CASES[case]
    login(instructor)
    assert names(client, suite, **args) == expected


def test_matrix_group_filter(client, login, instructor, org, suite, cohort) -> None:
    group = rosters.create_group(org.id, "Year 11", actor_id=None)
    rosters.add_members(group, [cohort["ben"].id, cohort["eve"].id], actor_id=None)
    db.session.commit()
    login(instructor)
    assert names(client, suite, group=str(group.id)) == ["Brown, Ben", "Evans, Eve"]
    assert names(client, suite, group=str(group.id), stuck="1") == ["Brown, Ben"]


def test_matrix_sort_by_progress(client, login, instructor, suite, cohort) -> None:
    login(instructor)
    most_first = names(client, suite, sort="progress")
    assert most_first == [
        "Adams, Ada",
        "Fox, Finn",
        "Brown, Ben",
        "Clark, Cleo",
        "Davis, Dev",
        "Green, Gus",
        "Evans, Eve",
    ]
    fewest_first = names(client, suite, sort="progress_asc")
    assert fewest_first[0] == "Evans, Eve"
    assert fewest_first[-2:] == ["Adams, Ada", "Fox, Finn"]


def test_matrix_hides_deactivated_learners(
    client, login, instructor, suite, cohort
) -> None:
    from laurel.identity import services as identity

    identity.deactivate_user(db.session.get(User, cohort["gus"].id), actor_id=None)
    db.session.commit()
    login(instructor)
    assert "Green, Gus" not in names(client, suite)
    assert "Green, Gus" in names(client, suite, inactive="1")


def test_matrix_area_pass_all_rule(
    app: Flask, client, login, org, instructor, make_user
) -> None:
    suite = install_suite(app, sample_declaration("strict", area_pass="all"))
    learner = make_user(org, Role.LEARNER, first_name="Hana", last_name="Hill")
    seed_progress(
        org.id,
        learner.id,
        suite,
        {
            "communication_test": passed(90),
            "communication_lesson": passed(80),
            "teamwork_test": passed(90),
            "safety_test": passed(90),
            "safety_lesson": passed(85),
        },
    )
    login(instructor)
    body = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "view": "areas"}
    ).get_data(as_text=True)
    assert "2 of 4</td>" in body
    cells = matrix_cells(body)["Hill, Hana"]
    assert cells[:3] == ["passed, 90%", "in progress", "passed, 90%"]
    assert names(client, suite, one_area_away="1") == ["Hill, Hana"]


def test_matrix_pages_of_fifty(client, login, org, instructor, suite) -> None:
    ids = bulk_learners(org, 120)
    seed_many = {"communication_test": passed(80)}
    from tests.reports.seeding import bulk_progress

    bulk_progress(org.id, suite, [(learner_id, seed_many) for learner_id in ids[:60]])
    login(instructor)
    first = names(client, suite)
    third = names(client, suite, page="3")
    assert len(first) == 50
    assert len(third) == 20
    assert first[0] == "Family00000, Learner00000"
    assert third[-1] == "Family00119, Learner00119"
    past_end = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "page": "99"}
    )
    assert matrix_names(past_end.get_data(as_text=True)) == []
    assert "Page 99 is past the last page" in past_end.get_data(as_text=True)
    body = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "page": "2"}
    ).get_data(as_text=True)
    assert "Page 2 of 3" in body
    assert names(client, suite, sort="progress")[0] == "Family00000, Learner00000"
    assert (
        names(client, suite, sort="progress", page="2")[10]
        == "Family00060, Learner00060"
    )


BAD_INPUT = {
    "status": ({"status": "bogus"}, "Status 'bogus' is invalid"),
    "sort": ({"sort": "age"}, "Sort 'age' is invalid"),
    "view": ({"view": "grid"}, "View 'grid' is invalid"),
    "page": ({"page": "abc"}, "Page 'abc' is invalid"),
    "flag": ({"stuck": "maybe"}, "stuck='maybe' is invalid"),
    "suite": ({"suite": "nope"}, "Suite 'nope' is not available"),
    "group": ({"group": "12345"}, "Group '12345' is not found"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=str)
def test_matrix_rejects_bad_input(client, login, instructor, suite, case: str) -> None:
    args, message = BAD_INPUT[case]
    login(instructor)
    response = client.get("/reports/matrix", query_string={"suite": suite.key, **args})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")


def test_matrix_rejects_other_orgs_group(
    client, login, make_org, instructor, suite
) -> None:
    other = make_org("other", "Other School")
    group = rosters.create_group(other.id, "Theirs", actor_id=None)
    db.session.commit()
    login(instructor)
    response = client.get(
        "/reports/matrix", query_string={"suite": suite.key, "group": str(group.id)}
    )
    assert response.status_code == 400
    assert "Theirs" not in response.get_data(as_text=True)


def test_matrix_is_for_staff(client, login, org, make_user, suite) -> None:
    login(make_user(org, Role.LEARNER))
    assert client.get("/reports/matrix").status_code == 403
    assert client.get("/reports/matrix/export.csv").status_code == 403
    assert client.get("/reports/summary").status_code == 403


def test_matrix_defaults_to_assigned_suite(
    app: Flask, client, login, instructor, suite, cohort
) -> None:
    unused = sample_declaration("alpha")
    unused["title"] = "Alpha suite, never assigned"
    install_suite(app, unused)
    login(instructor)
    body = client.get("/reports/matrix").get_data(as_text=True)
    assert "Sample suite sample: units of each learner" in body
    assert body.index(">Sample suite sample</option>") < body.index(
        ">Alpha suite, never assigned</option>"
    )
