"""Payloads dumped for the printing service: plain JSON with the contract keys."""

from __future__ import annotations

import json

import pytest
from laurel_printing.schemas import CredentialsPayloadSchema as ServicePayloadSchema

from laurel.extensions import db
from laurel.printing import schemas, services

CREDENTIAL_KEYS = {
    "public_id",
    "short_code",
    "learner_name",
    "learner_email",
    "organisation",
    "suite_title",
    "issued_on",
    "areas",
    "signer",
    "verification_url",
}


@pytest.fixture
def payload(app, school, make_credential) -> dict:  # noqa: ANN001
    credentials = [
        make_credential(school.learners[0]),
        make_credential(
            school.learners[1], areas=[{"key": "a", "title": "Teamwork", "score": 87.5}]
        ),
    ]
    with app.test_request_context():
        job = services.request_credentials_print(
            school.org, credentials, school.instructor, "Two learners"
        )
        dumped = schemas.credentials_payload(job)
    db.session.rollback()  # nothing is dispatched
    return dumped


def test_payload_is_plain_json(payload) -> None:  # noqa: ANN001
    assert json.loads(json.dumps(payload)) == payload


def test_payload_has_contract_keys(payload, school) -> None:  # noqa: ANN001
    assert set(payload) == {"job_id", "output_key", "layout", "outputs", "credentials"}
    assert payload["layout"] == {"page_size": "A4"}
    assert payload["outputs"] == ["merged", "zip", "manifest"]
    assert payload["output_key"] == f"print-jobs/{payload['job_id']}"
    first, second = payload["credentials"]
    assert set(first) == CREDENTIAL_KEYS
    assert set(second) == CREDENTIAL_KEYS
    assert first["learner_name"] == "Ada Lovelace"
    assert first["learner_email"] == school.learners[0].email
    assert first["organisation"] == school.org.name
    assert first["suite_title"] == "Workplace Readiness"
    assert first["issued_on"] == "2026-12-04"
    assert first["signer"] == "Dana Smith"
    assert first["short_code"].startswith("LAU-")
    assert first["verification_url"] == f"http://localhost/verify/{first['public_id']}"
    # Areas carry only title and score: the service rejects unknown keys.
    assert first["areas"] == [
        {"title": "Communication", "score": 90},
        {"title": "Teamwork", "score": 85},
    ]
    assert second["areas"] == [{"title": "Teamwork", "score": 87.5}]


def test_payload_passes_service_schema(payload) -> None:  # noqa: ANN001
    loaded = ServicePayloadSchema().load(payload)
    assert len(loaded["credentials"]) == 2


def test_public_url_sets_verification_base(app, school, make_credential) -> None:  # noqa: ANN001
    app.config["LAUREL_PUBLIC_URL"] = "https://verify.example.org/"
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        dumped = schemas.credentials_payload(job)
    db.session.rollback()
    url = dumped["credentials"][0]["verification_url"]
    assert url == f"https://verify.example.org/verify/{credential.public_id}"
    assert dumped["outputs"] == ["merged"]


def test_page_size_follows_organisation(app, school, make_credential) -> None:  # noqa: ANN001
    school.org.page_size = "Letter"
    db.session.commit()
    credential = make_credential(school.learners[0])
    with app.test_request_context():
        job = services.request_single_print(credential, school.instructor)
        dumped = schemas.credentials_payload(job)
    assert job.page_size == "Letter"
    assert dumped["layout"] == {"page_size": "Letter"}
    db.session.rollback()


def test_revoked_credential_is_rejected(app, school, make_credential) -> None:  # noqa: ANN001
    from datetime import datetime

    credential = make_credential(school.learners[0], revoked_at=datetime(2026, 12, 5))
    with pytest.raises(services.ValidationError) as raised:
        services.request_single_print(credential, school.instructor)
    assert credential.code in raised.value.message
    assert "revoked" in raised.value.message


def test_login_rows_need_every_field(app) -> None:  # noqa: ANN001
    with pytest.raises(services.ValidationError) as raised:
        services.login_rows([{"name": "Zoë Martin", "email": "zoe@example.org"}])
    assert raised.value.message == "Row 1 of the login sheet has no password."
    with pytest.raises(services.ValidationError) as empty:
        services.login_rows([])
    assert empty.value.message == "The login sheet has no rows to print."
