"""Every API operation, called with a token of organisation A on B's objects.

Each (endpoint, method) of the API needs at least one case below, or
``test_every_api_operation_has_a_case`` fails, so new endpoints cannot skip
the check. OBJECT cases must get 404; LISTING cases must succeed without
showing B's learner. Nothing may change organisation B.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, url_for

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.rosters import services as rosters
from laurel.rosters.importer import UNUSABLE_EMAIL
from tests.api.conftest import ApiClient
from tests.assignments.scoping_cases import SUITE
from tests.core.test_org_scoping import B_LEARNER_EMAIL, b_audit_count, build_org_b
from tests.print_jobs.conftest import SUITE_KEY as PRINT_SUITE
from tests.scoping import LISTING, OBJECT

Objects = dict[str, Any]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Case:
    kind: str
    # URL arguments from A's and B's objects; those the rule does not take
    # become query parameters.
    url_args: Callable[[Objects, Objects], dict[str, Any]] = field(
        default=lambda a, b: {}
    )
    json: Callable[[Objects, Objects], dict[str, Any]] | None = None
    # A multipart form, for uploads.
    form: Callable[[Objects, Objects], dict[str, Any]] | None = None
    # For a request that contains B's learner's email itself: a check of the
    # response in place of the search for that email, which it may echo.
    check: Callable[[dict[str, Any], Objects, Objects], str | None] | None = None


def b_learner(a: Objects, b: Objects) -> dict[str, Any]:
    return {"learner_id": b["learner"].id}


def b_group(a: Objects, b: Objects) -> dict[str, Any]:
    return {"group_id": b["group"].id}


def b_import(a: Objects, b: Objects) -> dict[str, Any]:
    return {"token": b["roster_import"].token}


def roster_upload(a: Objects, b: Objects) -> dict[str, Any]:
    """A class list that names B's learner."""
    text = f"First name,Last name,Email\nHidden,Learner,{b['learner'].email}\n"
    return {"file": (io.BytesIO(text.encode()), "class.csv")}


def email_unusable(data: dict[str, Any], a: Objects, b: Objects) -> str | None:
    """Pass when the preview rejects B's learner's email without saying why."""
    errors = data["preview"]["errors"]
    if data["preview"]["update"] or data["preview"]["unchanged"]:
        return f"B's learner is matched: {data['preview']}"
    if [error["message"] for error in errors] != [UNUSABLE_EMAIL]:
        return f"unexpected row errors: {errors}"
    return None


def no_b_credential(data: dict[str, Any], a: Objects, b: Objects) -> str | None:
    """Pass when the list shows neither B's learner nor B's credential."""
    text = str(data)
    if B_LEARNER_EMAIL in text or b["credential"].public_id in text:
        return "shows organisation B's credential"
    return None


def b_print_job(a: Objects, b: Objects) -> dict[str, Any]:
    return {"job_id": b["print_job"].job_id}


def no_b_print_job(data: dict[str, Any], a: Objects, b: Objects) -> str | None:
    """Pass when the list shows neither B's learner nor B's print job."""
    text = str(data)
    if B_LEARNER_EMAIL in text or b["print_job"].job_id in text:
        return "shows organisation B's print job"
    return None


def new_learner(group_id: int) -> dict[str, Any]:
    return {
        "first_name": "New",
        "last_name": "Learner",
        "email": "new.learner@org-a.example",
        "group_ids": [group_id],
    }


CASES: dict[tuple[str, str], list[Case]] = {
    ("api_learners.Learners", "GET"): [
        Case(LISTING),
        Case(LISTING, lambda a, b: {"q": "Hidden", "include_inactive": "true"}),
        Case(OBJECT, lambda a, b: {"group": b["group"].id}),
    ],
    ("api_learners.Learners", "POST"): [
        Case(OBJECT, json=lambda a, b: new_learner(b["group"].id)),
    ],
    ("api_learners.LearnerById", "GET"): [Case(OBJECT, b_learner)],
    ("api_learners.LearnerById", "PATCH"): [
        Case(OBJECT, b_learner, json=lambda a, b: {"first_name": "Taken over"}),
        Case(
            OBJECT,
            lambda a, b: {"learner_id": a["learner"].id},
            json=lambda a, b: {"group_ids": [b["group"].id]},
        ),
    ],
    ("api_learners.deactivate", "POST"): [Case(OBJECT, b_learner)],
    ("api_learners.reactivate", "POST"): [Case(OBJECT, b_learner)],
    ("api_groups.Groups", "GET"): [
        Case(LISTING),
        Case(LISTING, lambda a, b: {"include_archived": "true"}),
    ],
    ("api_groups.Groups", "POST"): [
        # The same name as B's group: names are unique per organisation only.
        Case(LISTING, json=lambda a, b: {"name": b["group"].name}),
    ],
    ("api_groups.GroupById", "GET"): [Case(OBJECT, b_group)],
    ("api_groups.GroupById", "PATCH"): [
        Case(OBJECT, b_group, json=lambda a, b: {"name": "Taken over"})
    ],
    ("api_groups.archive", "POST"): [Case(OBJECT, b_group)],
    ("api_groups.restore", "POST"): [Case(OBJECT, b_group)],
    ("api_groups.Members", "GET"): [Case(OBJECT, b_group)],
    ("api_groups.Members", "POST"): [
        Case(OBJECT, b_group, json=lambda a, b: {"learner_ids": [a["learner"].id]}),
        Case(
            OBJECT,
            lambda a, b: {"group_id": a["group"].id},
            json=lambda a, b: {"learner_ids": [b["learner"].id]},
        ),
    ],
    ("api_roster_imports.RosterImports", "POST"): [
        Case(LISTING, form=roster_upload, check=email_unusable)
    ],
    ("api_roster_imports.RosterImportByToken", "GET"): [Case(OBJECT, b_import)],
    ("api_roster_imports.commit_import", "POST"): [
        Case(OBJECT, b_import, json=lambda a, b: {"valid_only": True})
    ],
    ("api_roster_imports.login_sheet", "POST"): [Case(OBJECT, b_import)],
    ("api_credentials.Credentials", "GET"): [
        Case(LISTING, check=no_b_credential),
        Case(OBJECT, lambda a, b: {"learner": b["learner"].id}),
    ],
    ("api_credentials.credential", "GET"): [
        Case(OBJECT, lambda a, b: {"public_id": b["credential"].public_id})
    ],
    ("api_credits.balance", "GET"): [Case(LISTING)],
    ("api_print_jobs.PrintJobs", "GET"): [
        Case(LISTING, check=no_b_print_job),
        Case(LISTING, lambda a, b: {"status": "done"}, check=no_b_print_job),
    ],
    ("api_print_jobs.PrintJobs", "POST"): [
        Case(
            OBJECT,
            json=lambda a, b: {"credential_ids": [b["print_credential"].public_id]},
        ),
        Case(
            OBJECT,
            json=lambda a, b: {"suite": PRINT_SUITE, "learner_ids": [b["learner"].id]},
        ),
        Case(
            OBJECT,
            json=lambda a, b: {
                "suite": PRINT_SUITE,
                "all_matching": {"group": b["group"].id},
            },
        ),
    ],
    ("api_print_jobs.print_job", "GET"): [Case(OBJECT, b_print_job)],
    ("api_print_jobs.download", "GET"): [
        Case(OBJECT, lambda a, b: {**b_print_job(a, b), "kind": "merged"})
    ],
    ("api_progress.learner_progress", "GET"): [
        Case(OBJECT, b_learner),
        Case(
            LISTING,
            lambda a, b: {"learner_id": a["learner"].id},
            check=no_b_credential,
        ),
    ],
    ("api_progress.progress_matrix", "GET"): [
        Case(LISTING, check=no_b_credential),
        Case(
            LISTING,
            lambda a, b: {"include_inactive": "true", "sort": "progress"},
            check=no_b_credential,
        ),
        Case(
            LISTING,
            lambda a, b: {"view": "areas", "status": "passed", "per_page": 200},
            check=no_b_credential,
        ),
        Case(OBJECT, lambda a, b: {"group": b["group"].id}),
    ],
    ("api_groups.remove_member", "DELETE"): [
        Case(
            OBJECT,
            lambda a, b: {"group_id": b["group"].id, "learner_id": b["learner"].id},
        ),
        Case(
            OBJECT,
            lambda a, b: {"group_id": a["group"].id, "learner_id": b["learner"].id},
        ),
        Case(
            OBJECT,
            lambda a, b: {"group_id": b["group"].id, "learner_id": a["learner"].id},
        ),
    ],
}


A_TOKEN = "a-api-request-token-0123456789"


def b_learner_ids(a: Objects, b: Objects) -> dict[str, Any]:
    return {"suite": SUITE, "learner_ids": [b["learner"].id]}


def b_group_filter(a: Objects, b: Objects) -> dict[str, Any]:
    return {"suite": SUITE, "all_matching": {"group": b["group"].id}}


def b_unit_ids(a: Objects, b: Objects) -> dict[str, Any]:
    return {"suite": SUITE, "unit_assignment_ids": [b["unit_assignment"].id]}


def confirmed(body: Callable[[Objects, Objects], dict[str, Any]]) -> Any:
    return lambda a, b: {**body(a, b), "request_token": A_TOKEN}


def no_b_learner_or_batch(data: dict[str, Any], a: Objects, b: Objects) -> str | None:
    """Pass when a quote or a batch list names neither B's learner nor B's batch."""
    text = str(data)
    if "Hidden" in text or str(b["learner"].id) in str(data.get("learners", "")):
        return "names organisation B's learner"
    if any(item.get("id") == b["batch"].id for item in data.get("items", [])):
        return "lists organisation B's batch"
    return None


CASES.update(
    {
        ("api_assignments.quote", "POST"): [
            Case(OBJECT, json=b_learner_ids),
            Case(OBJECT, json=b_group_filter),
            Case(
                LISTING,
                json=lambda a, b: {"suite": SUITE, "all_matching": {}},
                check=no_b_learner_or_batch,
            ),
        ],
        ("api_assignments.Assignments", "POST"): [
            Case(OBJECT, json=confirmed(b_learner_ids)),
            Case(OBJECT, json=confirmed(b_group_filter)),
        ],
        ("api_assignments.Batches", "GET"): [
            Case(LISTING, check=no_b_learner_or_batch),
            Case(LISTING, lambda a, b: {"suite": SUITE}, check=no_b_learner_or_batch),
        ],
        ("api_assignments.batch", "GET"): [
            Case(OBJECT, lambda a, b: {"batch_id": b["batch"].id})
        ],
        ("api_reassignments.quote", "POST"): [
            Case(OBJECT, json=b_unit_ids),
            Case(OBJECT, json=b_learner_ids),
            Case(
                LISTING,
                json=lambda a, b: {"suite": SUITE, "all_matching": {}},
                check=no_b_learner_or_batch,
            ),
        ],
        ("api_reassignments.Reassignments", "POST"): [
            Case(OBJECT, json=confirmed(b_unit_ids)),
            Case(OBJECT, json=confirmed(b_learner_ids)),
        ],
    }
)


def api_operations(app: Flask) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_"):
            if rule.endpoint.startswith("api_pages."):
                continue
            operations.update(
                (rule.endpoint, method) for method in rule.methods & METHODS
            )
    return operations


def test_every_api_operation_has_a_case(app: Flask) -> None:
    missing = sorted(api_operations(app) - set(CASES))
    assert not missing, f"API operations with no cross-organisation case: {missing}"


def build_org_a(make_org: Any, make_user: Any) -> Objects:
    org = make_org("org-a", "Organisation A")
    learner = make_user(org, Role.LEARNER, first_name="Visible")
    group = rosters.create_group(org.id, "Group A", actor_id=None)
    rosters.add_members(group, [learner.id], actor_id=None)
    db.session.commit()
    return {"org": org, "learner": learner, "group": group}


def check_case(
    api: ApiClient, endpoint: str, method: str, case: Case, a: Objects, b: Objects
) -> str | None:
    with api.client.application.test_request_context():
        url = url_for(endpoint, **case.url_args(a, b))
    if case.form:
        response = api.open(
            method, url, data=case.form(a, b), content_type="multipart/form-data"
        )
    else:
        response = api.open(method, url, json=case.json(a, b) if case.json else None)
    text = response.get_data(as_text=True)
    label = f"{method} {url}"
    if case.kind == OBJECT and response.status_code != 404:
        return f"{label}: status {response.status_code}, expected 404: {text[:200]}"
    if case.kind == LISTING and response.status_code >= 400:
        return f"{label}: status {response.status_code}: {text[:200]}"
    if case.check:
        problem = case.check(response.json, a, b)
        return f"{label}: {problem}" if problem else None
    if B_LEARNER_EMAIL in text:
        return f"{label}: shows organisation B's learner"
    return None


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.ORG_ADMIN], ids=str)
def test_org_a_token_cannot_reach_org_b(
    app, make_org, make_user, api_client, role
) -> None:
    a = build_org_a(make_org, make_user)
    b = build_org_b(make_org, make_user)
    api = api_client(a["org"], role)
    events_before = b_audit_count(b["org"].id)
    problems = []
    for (endpoint, method), cases in sorted(CASES.items()):
        for case in cases:
            problem = check_case(api, endpoint, method, case, a, b)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)
    assert b_audit_count(b["org"].id) == events_before, (
        "a request changed organisation B"
    )
    db.session.refresh(b["learner"])
    assert b["learner"].first_name == "Hidden"
    assert b["learner"].active
