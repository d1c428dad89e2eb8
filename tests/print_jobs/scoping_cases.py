"""Cross-organisation cases for print jobs, their downloads and print requests."""

from __future__ import annotations

from typing import Any

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.printing import dispatch, services
from tests.print_jobs.conftest import SUITE_KEY, build_credential
from tests.scoping import LISTING, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Give organisation B a credential and a finished print job of it.

    The job's merged PDF exists on disk, so a download that skipped the
    organisation check would return 200 instead of 404.
    """
    learner = make_user(org, Role.LEARNER, email="printed.learner@org-b.example")
    credential = build_credential(learner)
    job = services.request_single_print(credential, objects["instructor"])
    # Not dispatched: the row is given a result below.
    db.session.info.pop(dispatch.PENDING_KEY)
    key = f"{job.output_key}/credentials.pdf"
    path = services.storage_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 organisation B")
    job.record_result(
        {
            "files": [
                {
                    "kind": "merged",
                    "key": key,
                    "size": 24,
                    "pages": 1,
                    "sha256": "0" * 64,
                }
            ]
        },
        job.created_at,
    )
    db.session.commit()
    objects["print_credential"] = credential
    objects["print_job"] = job


ROUTES = {
    "printing.jobs": Route(LISTING),
    "printing.job": Route(kwargs=lambda b: {"job_id": b["print_job"].job_id}),
    "printing.download": Route(
        kwargs=lambda b: {"job_id": b["print_job"].job_id, "kind": "merged"}
    ),
    "printing.print_credential": Route(
        kwargs=lambda b: {"public_id": b["print_credential"].public_id}
    ),
    "printing.print_credentials": Route(
        LISTING,
        data=lambda b: {"user_id": str(b["learner"].id), "suite": SUITE_KEY},
    ),
    "printing.settings": Route(LISTING, data=lambda b: {"page_size": "Letter"}),
    "printing.print_import_login_sheet": Route(
        kwargs=lambda b: {"token": b["roster_import"].token}
    ),
}
