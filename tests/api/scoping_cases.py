"""Cross-organisation cases for the API and the API tokens pages.

The JSON API authenticates by token only, so in the cookie-based walk of
tests/core/test_org_scoping.py every API route returns 401 and shows
nothing: they are listed as listings there. The token-based walk over the
same routes, with a token of organisation A, is tests/api/test_org_scoping.py.
"""

from __future__ import annotations

from typing import Any

from laurel.api.services import create_token
from laurel.extensions import db
from laurel.identity.models import Role
from tests.scoping import LISTING, PUBLIC, Route

# Named like organisation B's hidden learner, so the cookie walk's listing
# check, which looks for that email, also catches B's tokens on A's page.
B_TOKEN_NAME = "hidden.learner@org-b.example"


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    new = create_token(org.id, B_TOKEN_NAME, Role.INSTRUCTOR, objects["org_admin"].id)
    db.session.commit()
    objects["api_token"] = new.token
    objects["api_secret"] = new.secret


def learner_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"learner_id": b["learner"].id}


def group_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"group_id": b["group"].id}


def import_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"token": b["roster_import"].token}


def print_job_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"job_id": b["print_job"].job_id}


def member_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"group_id": b["group"].id, "learner_id": b["learner"].id}


ROUTES = {
    "api-docs.openapi_json": Route(PUBLIC),
    "api_pages.docs": Route(PUBLIC),
    "api_pages.tokens": Route(
        LISTING, data=lambda b: {"name": "x", "role": "instructor"}
    ),
    "api_pages.revoke": Route(kwargs=lambda b: {"token_id": b["api_token"].id}),
    # API routes: 401 for a session cookie (see the module docstring).
    "api_learners.Learners": Route(LISTING),
    "api_learners.LearnerById": Route(LISTING, kwargs=learner_of_b),
    "api_learners.deactivate": Route(LISTING, kwargs=learner_of_b),
    "api_learners.reactivate": Route(LISTING, kwargs=learner_of_b),
    "api_groups.Groups": Route(LISTING),
    "api_groups.GroupById": Route(LISTING, kwargs=group_of_b),
    "api_groups.archive": Route(LISTING, kwargs=group_of_b),
    "api_groups.restore": Route(LISTING, kwargs=group_of_b),
    "api_groups.Members": Route(LISTING, kwargs=group_of_b),
    "api_groups.remove_member": Route(LISTING, kwargs=member_of_b),
    "api_roster_imports.RosterImports": Route(LISTING),
    "api_roster_imports.RosterImportByToken": Route(LISTING, kwargs=import_of_b),
    "api_roster_imports.commit_import": Route(LISTING, kwargs=import_of_b),
    "api_roster_imports.login_sheet": Route(LISTING, kwargs=import_of_b),
    "api_credentials.Credentials": Route(LISTING),
    "api_credentials.credential": Route(
        LISTING, kwargs=lambda b: {"public_id": b["credential"].public_id}
    ),
    "api_credits.balance": Route(LISTING),
    "api_print_jobs.PrintJobs": Route(LISTING),
    "api_print_jobs.print_job": Route(LISTING, kwargs=print_job_of_b),
    "api_print_jobs.download": Route(
        LISTING, kwargs=lambda b: {**print_job_of_b(b), "kind": "merged"}
    ),
    "api_progress.learner_progress": Route(LISTING, kwargs=learner_of_b),
    "api_progress.progress_matrix": Route(LISTING),
    "api_assignments.quote": Route(LISTING),
    "api_assignments.Assignments": Route(LISTING),
    "api_assignments.Batches": Route(LISTING),
    "api_assignments.batch": Route(
        LISTING, kwargs=lambda b: {"batch_id": b["batch"].id}
    ),
    "api_reassignments.quote": Route(LISTING),
    "api_reassignments.Reassignments": Route(LISTING),
}
