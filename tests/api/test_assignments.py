"""The assignments and reassignments API: quote, confirm, replay, refuse."""

from __future__ import annotations

from typing import Any

import pytest
from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    SuiteAssignment,
    UnitStatus,
)
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Role
from laurel.plugins import services as plugins
from laurel.rosters import services as rosters

from tests.api.conftest import ApiClient
from tests.assignments.helpers import (
    SUITE_KEY,
    assign,
    balance,
    count,
    grant,
    take,
    unit_of,
)

ASSESSMENT = "attitude_motivation_assessment"
SECOND_ASSESSMENT = "communication_assessment"
TOKEN = "api-test-token-0123456789"


@pytest.fixture
def school(make_org, make_user, api_client) -> dict[str, Any]:  # noqa: ANN001
    org = make_org("api-school")
    learners = [
        make_user(org, Role.LEARNER, first_name=name, last_name="Pupil")
        for name in ("Ada", "Ben", "Cy")
    ]
    grant(org.id, 20)
    return {"org": org, "learners": learners, "api": api_client(org)}


def ids(learners: list[Any]) -> list[int]:
    return [learner.id for learner in learners]


def subscribe(api: ApiClient, learner_ids: list[int], **extra: Any) -> Any:
    body = {"suite": SUITE_KEY, "learner_ids": learner_ids, "request_token": TOKEN}
    return api.post("/api/v1/assignments", json={**body, **extra})


# Quotes


def test_quote_prices_without_charging(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    learners = school["learners"][:2]
    response = api.post(
        "/api/v1/assignments/quote",
        json={"suite": SUITE_KEY, "learner_ids": ids(learners)},
    )
    assert response.status_code == 200, response.json
    quote = response.json
    assert quote["kind"] == "subscription"
    assert quote["total"] == 10
    assert (quote["balance"], quote["short"], quote["billing"]) == (20, 0, True)
    assert [item["credits"] for item in quote["items"]] == [10]
    assert [learner["name"] for learner in quote["learners"]] == [
        "Ada Pupil",
        "Ben Pupil",
    ]
    assert all(learner["credits"] == 5 for learner in quote["learners"])
    assert ASSESSMENT in quote["learners"][0]["unit_keys"]
    assert len(quote["request_token"]) >= 16
    assert balance(org.id) == 20
    assert count(SuiteAssignment) == 0


def test_units_quote_lists_skipped_learners(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    first, second = school["learners"][:2]
    assign(org.id, None, [first], kind=AssignmentKind.UNITS, unit_keys=(ASSESSMENT,))
    response = api.post(
        "/api/v1/assignments/quote",
        json={
            "suite": SUITE_KEY,
            "kind": "units",
            "unit_keys": [ASSESSMENT],
            "learner_ids": [first.id, second.id],
        },
    )
    assert response.status_code == 200, response.json
    assert [learner["learner_id"] for learner in response.json["learners"]] == [
        second.id
    ]
    assert response.json["total"] == 1
    assert response.json["skipped"] == [
        {
            "learner_id": first.id,
            "name": "Ada Pupil",
            "reason": "has every chosen unit already",
        }
    ]


def test_quote_for_every_learner_of_a_group(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    group = rosters.create_group(org.id, "Evening class", actor_id=None)
    rosters.add_members(group, [school["learners"][2].id], actor_id=None)
    db.session.commit()
    response = api.post(
        "/api/v1/assignments/quote",
        json={"suite": SUITE_KEY, "all_matching": {"group": group.id}},
    )
    assert response.status_code == 200, response.json
    assert [learner["name"] for learner in response.json["learners"]] == ["Cy Pupil"]
    everyone = api.post(
        "/api/v1/assignments/quote", json={"suite": SUITE_KEY, "all_matching": {}}
    )
    assert len(everyone.json["learners"]) == 3


# Confirming


def test_confirm_charges_once_and_replays(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    learners = school["learners"][:2]
    response = subscribe(api, ids(learners), quoted_total=10)
    assert response.status_code == 201, response.json
    batch = response.json
    assert (batch["action"], batch["kind"]) == ("assign", "subscription")
    assert (batch["changed_count"], batch["credits_charged"]) == (2, 10)
    assert balance(org.id) == 10
    assert count(SuiteAssignment, SuiteAssignment.org_id == org.id) == 2

    again = subscribe(api, ids(learners), quoted_total=10)
    assert again.status_code == 200, again.json
    assert again.json["id"] == batch["id"]
    assert balance(org.id) == 10
    assert count(AssignmentBatch) == 1


def test_confirm_rejects_changed_price(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    response = subscribe(api, ids(school["learners"]), quoted_total=10)
    assert response.status_code == 409
    assert response.json["message"].startswith("quoted_total: The price changed")
    assert response.json["errors"]["json"]["quoted_total"]
    assert balance(org.id) == 20
    assert count(SuiteAssignment) == 0
    # The token was not used up: the same request at the right price goes through.
    assert subscribe(api, ids(school["learners"]), quoted_total=15).status_code == 201


def test_confirm_rejects_short_balance(make_org, make_user, api_client) -> None:  # noqa: ANN001
    org = make_org("poor-school")
    learners = [make_user(org, Role.LEARNER) for _ in range(3)]
    grant(org.id, 12)
    response = subscribe(api_client(org), ids(learners))
    assert response.status_code == 409
    message = response.json["message"]
    assert "needs 15" in message, message
    assert "balance is 12" in message, message
    assert balance(org.id) == 12
    assert count(SuiteAssignment) == 0


def test_confirm_units_charges_each_unit(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    learner = school["learners"][0]
    response = subscribe(
        api,
        [learner.id],
        kind="units",
        unit_keys=[ASSESSMENT, SECOND_ASSESSMENT],
        quoted_total=2,
    )
    assert response.status_code == 201, response.json
    assert response.json["unit_keys"] == [ASSESSMENT, SECOND_ASSESSMENT]
    assert balance(org.id) == 18
    assert unit_of(learner, ASSESSMENT).paid_credits == 1


# Bad requests


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"suite": "no_such_suite"}, 404, "suite"),
        ({"kind": "units", "unit_keys": ["no_such_unit"]}, 404, "unit_keys"),
        ({"kind": "units"}, 422, "unit_keys"),
        ({"org_id": 1}, 422, "org_id"),
        ({"auto_reassign": "yes"}, 422, "auto_reassign"),
        ({"all_matching": {}}, 422, "learner_ids"),
        ({"learner_ids": []}, 422, "learner_ids"),
        (
            {"all_matching": {"group": "1"}, "learner_ids": None},
            422,
            "all_matching.group",
        ),
    ],
)
def test_bad_choices_name_the_field(
    school, body: dict[str, Any], status: int, field: str
) -> None:  # noqa: ANN001
    base = {"suite": SUITE_KEY, "learner_ids": ids(school["learners"][:1])}
    # None drops a field of the base request.
    merged = {
        name: value for name, value in {**base, **body}.items() if value is not None
    }
    response = school["api"].post("/api/v1/assignments/quote", json=merged)
    assert response.status_code == status, response.json
    assert response.json["message"].startswith(f"{field}"), response.json
    assert count(SuiteAssignment) == 0


def test_no_learner_choice_is_422(school) -> None:  # noqa: ANN001
    response = school["api"].post(
        "/api/v1/assignments/quote", json={"suite": SUITE_KEY}
    )
    assert response.status_code == 422
    assert response.json["message"] == (
        "learner_ids: Give exactly one of learner_ids, all_matching; got none of them."
    )


def test_quote_subscription_of_unit_suite_is_409(school) -> None:  # noqa: ANN001
    response = school["api"].post(
        "/api/v1/assignments/quote",
        json={
            "suite": "food_safety_basics",
            "kind": "subscription",
            "learner_ids": ids(school["learners"][:1]),
        },
    )
    assert response.status_code == 409
    assert response.json["message"].startswith("kind: ")


def test_confirm_disabled_suite_is_409(school) -> None:  # noqa: ANN001
    plugins.set_enabled("workplace_readiness", False, actor_id=None)
    db.session.commit()
    response = subscribe(school["api"], ids(school["learners"][:1]))
    assert response.status_code == 409
    assert "disabled" in response.json["message"]
    assert balance(school["org"].id) == 20


def test_deactivated_and_unknown_learners(school, make_org, make_user) -> None:  # noqa: ANN001
    api = school["api"]
    stranger = make_user(make_org("other-school"), Role.LEARNER)
    missing = subscribe(api, [school["learners"][0].id, stranger.id])
    assert missing.status_code == 404
    assert missing.json["message"] == (
        f"learner_ids: learners {stranger.id} were not found in this organisation."
    )
    deactivated = school["learners"][1]
    identity.deactivate_user(deactivated, None)
    db.session.commit()
    inactive = subscribe(api, [deactivated.id])
    assert inactive.status_code == 409
    assert str(deactivated.id) in inactive.json["message"]
    assert count(SuiteAssignment) == 0


def test_another_organisations_group_is_not_found(school, make_org) -> None:  # noqa: ANN001
    other = make_org("group-owner")
    group = rosters.create_group(other.id, "Theirs", actor_id=None)
    db.session.commit()
    response = school["api"].post(
        "/api/v1/assignments/quote",
        json={"suite": SUITE_KEY, "all_matching": {"group": group.id}},
    )
    assert response.status_code == 404
    assert response.json["message"] == (
        f"all_matching.group: group {group.id} was not found in this organisation."
    )


# Batches


def test_batches_are_listed_filtered_and_read(school, make_org, api_client) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    first = subscribe(api, ids(school["learners"][:1])).json
    second = subscribe(
        api, ids(school["learners"][1:2]), request_token="api-test-token-second"
    ).json
    listing = api.get("/api/v1/assignments/batches?per_page=1")
    assert listing.status_code == 200
    assert (listing.json["total"], listing.json["pages"]) == (2, 2)
    assert [batch["id"] for batch in listing.json["items"]] == [second["id"]]
    reassigns = api.get("/api/v1/assignments/batches?action=reassign")
    assert reassigns.json["items"] == []
    read = api.get(f"/api/v1/assignments/batches/{first['id']}")
    assert read.status_code == 200
    assert read.json == first
    outsider = api_client(make_org("outsider"))
    assert outsider.get(f"/api/v1/assignments/batches/{first['id']}").status_code == 404
    assert outsider.get("/api/v1/assignments/batches").json["total"] == 0
    assert balance(org.id) == 10


# Reassignments


def failed_unit(school: dict[str, Any]) -> Any:
    """Assign one paid assessment to the first learner and fail it."""
    learner = school["learners"][0]
    assign(
        school["org"].id,
        None,
        [learner],
        kind=AssignmentKind.UNITS,
        unit_keys=(ASSESSMENT,),
    )
    ua = unit_of(learner, ASSESSMENT)
    take(ua, correct=0)
    assert ua.status is UnitStatus.FAILED
    return ua


def test_reassign_a_failed_unit(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    ua = failed_unit(school)
    quote = api.post(
        "/api/v1/reassignments/quote",
        json={"suite": SUITE_KEY, "unit_assignment_ids": [ua.id]},
    )
    assert quote.status_code == 200, quote.json
    assert quote.json["total"] == 1
    assert [unit["unit_assignment_id"] for unit in quote.json["units"]] == [ua.id]
    assert quote.json["rejected"] == []
    body = {
        "suite": SUITE_KEY,
        "unit_assignment_ids": [ua.id],
        "request_token": quote.json["request_token"],
        "quoted_total": 1,
    }
    confirmed = api.post("/api/v1/reassignments", json=body)
    assert confirmed.status_code == 201, confirmed.json
    assert (confirmed.json["action"], confirmed.json["changed_count"]) == (
        "reassign",
        1,
    )
    db.session.refresh(ua)
    assert ua.status is UnitStatus.REASSIGNED
    assert balance(org.id) == 20 - 1 - 1
    replay = api.post("/api/v1/reassignments", json=body)
    assert replay.status_code == 200
    assert replay.json["id"] == confirmed.json["id"]
    assert balance(org.id) == 18


def test_reassign_by_learner_ids(school) -> None:  # noqa: ANN001
    ua = failed_unit(school)
    quote = school["api"].post(
        "/api/v1/reassignments/quote",
        json={"suite": SUITE_KEY, "learner_ids": ids(school["learners"])},
    )
    assert quote.status_code == 200, quote.json
    assert [unit["unit_assignment_id"] for unit in quote.json["units"]] == [ua.id]


def test_reassign_rejects_a_unit_that_has_not_failed(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    learner = school["learners"][1]
    assign(org.id, None, [learner], kind=AssignmentKind.UNITS, unit_keys=(ASSESSMENT,))
    ua = unit_of(learner, ASSESSMENT)
    body = {"suite": SUITE_KEY, "unit_assignment_ids": [ua.id]}
    quote = api.post("/api/v1/reassignments/quote", json=body)
    assert quote.json["units"] == []
    assert "only failed units are reassigned" in quote.json["rejected"][0]["reason"]
    confirmed = api.post("/api/v1/reassignments", json={**body, "request_token": TOKEN})
    assert confirmed.status_code == 409
    assert confirmed.json["message"].startswith("Nothing was changed: Nothing can be")
    assert balance(org.id) == 19


def test_reassign_rejects_foreign_units(school, make_org) -> None:  # noqa: ANN001
    api = school["api"]
    ua = failed_unit(school)
    wrong_suite = api.post(
        "/api/v1/reassignments/quote",
        json={"suite": "food_safety_basics", "unit_assignment_ids": [ua.id]},
    )
    assert wrong_suite.status_code == 409
    assert wrong_suite.json["message"].startswith("unit_assignment_ids: ")
    outsider = api.post(
        "/api/v1/reassignments/quote",
        json={"suite": SUITE_KEY, "unit_assignment_ids": [ua.id + 1000]},
    )
    assert outsider.status_code == 404


def test_reassign_rejects_assign_token(school) -> None:  # noqa: ANN001
    api = school["api"]
    ua = failed_unit(school)
    assert subscribe(api, ids(school["learners"][1:2])).status_code == 201
    response = reassign_with_token(api, ua)
    assert response.status_code == 409
    assert response.json["message"].startswith("request_token: This token was used")
    db.session.refresh(ua)
    assert ua.status is UnitStatus.FAILED


def reassign_with_token(api: ApiClient, ua: Any) -> Any:
    body = {"suite": SUITE_KEY, "unit_assignment_ids": [ua.id], "request_token": TOKEN}
    return api.post("/api/v1/reassignments", json=body)


def test_openapi_document_states_the_one_of_rule(client) -> None:  # noqa: ANN001
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["AssignConfirm"]["oneOf"] == [
        {"required": ["learner_ids"]},
        {"required": ["all_matching"]},
    ]
    assert len(schemas["ReassignChoice"]["oneOf"]) == 3


def test_foreign_token_is_409(school, make_org, make_user) -> None:  # noqa: ANN001
    other = make_org("token-owner")
    theirs = make_user(other, Role.LEARNER)
    grant(other.id, 5)
    assign(other.id, None, [theirs], token=TOKEN)
    response = subscribe(school["api"], ids(school["learners"][:1]))
    assert response.status_code == 409
    assert "request_token" in response.json["message"]
    assert "batch" not in response.json["message"]
    assert balance(school["org"].id) == 20
    assert count(SuiteAssignment, SuiteAssignment.org_id == school["org"].id) == 0


def test_reassign_foreign_token_is_409(school, make_org, make_user) -> None:  # noqa: ANN001
    other = make_org("token-owner")
    theirs = make_user(other, Role.LEARNER)
    grant(other.id, 5)
    assign(other.id, None, [theirs], token=TOKEN)
    ua = failed_unit(school)
    response = reassign_with_token(school["api"], ua)
    assert response.status_code == 409
    assert "request_token" in response.json["message"]
    db.session.refresh(ua)
    assert ua.status is UnitStatus.FAILED


def test_request_token_must_match_whole(school) -> None:  # noqa: ANN001
    response = subscribe(
        school["api"], ids(school["learners"][:1]), request_token=TOKEN + "\n"
    )
    assert response.status_code == 422
    assert response.json["message"].startswith("request_token: Must be 16 to 64")
    assert count(AssignmentBatch) == 0


def test_reassign_rejects_deactivated_learners(school) -> None:  # noqa: ANN001
    ua = failed_unit(school)
    identity.deactivate_user(school["learners"][0], None)
    db.session.commit()
    response = school["api"].post(
        "/api/v1/reassignments/quote",
        json={"suite": SUITE_KEY, "unit_assignment_ids": [ua.id]},
    )
    assert response.status_code == 409
    assert response.json["message"] == (
        f"unit_assignment_ids: unit assignments {ua.id} belong to deactivated "
        "learners; reactivate them or leave these units out."
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        (
            '{"suite": "x", "learner_ids": [1]}',
            {"Content-Type": "text/plain"},
            415,
            "The body is sent as 'text/plain'",
        ),
        (
            "[" * 100_000 + "]" * 100_000,
            {"Content-Type": "application/json"},
            400,
            "request body: Invalid JSON body.",
        ),
        (
            '{"suite": "x", "learner_ids": [' + "9" * 5000 + "]}",
            {"Content-Type": "application/json"},
            400,
            "request body: Invalid JSON body.",
        ),
    ],
    ids=["text body", "deep nesting", "huge integer"],
)
def test_unusable_json_bodies(
    school, body: str, headers: dict[str, str], status: int, message: str
) -> None:  # noqa: ANN001
    response = school["api"].post(
        "/api/v1/assignments/quote", data=body, headers=headers
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.json["message"].startswith(message), response.json


def test_token_replay_with_other_body(school) -> None:  # noqa: ANN001
    api, org = school["api"], school["org"]
    first, second = school["learners"][:2]
    assert subscribe(api, [first.id]).status_code == 201
    other = subscribe(api, [second.id])
    assert other.status_code == 409
    assert other.json["message"].startswith("request_token: This token was used")
    # The same request again, with another quoted_total, is still a replay.
    assert subscribe(api, [first.id], quoted_total=5).status_code == 200
    assert count(SuiteAssignment, SuiteAssignment.org_id == org.id) == 1
    assert balance(org.id) == 15


def test_retry_after_a_change_replays(school) -> None:  # noqa: ANN001
    api, learner = school["api"], school["learners"][0]
    first = subscribe(api, [learner.id])
    assert first.status_code == 201
    identity.deactivate_user(learner, None)
    db.session.commit()
    retry = subscribe(api, [learner.id])
    assert retry.status_code == 200, retry.json
    assert retry.json["id"] == first.json["id"]
