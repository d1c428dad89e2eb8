"""Cross-organisation cases for the credential detail and revoke routes."""

from __future__ import annotations

from typing import Any

from laurel.credentials.models import Credential
from laurel.credentials.services import new_code, new_public_id
from laurel.extensions import db
from laurel.identity.services import utcnow

from tests.scoping import Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    learner = objects["learner"]
    credential = Credential(
        public_id=new_public_id(),
        code=new_code(),
        org_id=org.id,
        learner_id=learner.id,
        suite_key="workplace_readiness",
        suite_version="1",
        suite_title="Workplace Readiness",
        learner_name=learner.full_name,
        org_name=org.name,
        issued_at=utcnow(),
        areas=[],
        signer_id=objects["instructor"].id,
        signer_name=objects["instructor"].full_name,
    )
    db.session.add(credential)
    db.session.commit()
    objects["credential"] = credential


def credential_kwargs(b: dict[str, Any]) -> dict[str, Any]:
    return {"public_id": b["credential"].public_id}


ROUTES = {
    "credentials.detail": Route(kwargs=credential_kwargs),
    "credentials.revoke": Route(
        kwargs=credential_kwargs, data=lambda b: {"reason": "taken over"}
    ),
}
