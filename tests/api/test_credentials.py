"""/api/v1/credentials and /api/v1/credits/balance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from laurel.credentials.models import Credential
from laurel.credentials.services import new_code, new_public_id
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import utcnow


@pytest.fixture
def org(make_org):  # noqa: ANN001, ANN201
    return make_org()


@pytest.fixture
def api(api_client, org):  # noqa: ANN001, ANN201
    return api_client(org)


def issue(org, learner, suite_key: str, days_ago: int = 0, revoked: bool = False):  # noqa: ANN001, ANN201
    credential = Credential(
        public_id=new_public_id(),
        code=new_code(),
        org_id=org.id,
        learner_id=learner.id,
        suite_key=suite_key,
        suite_version="1",
        suite_title=suite_key.replace("_", " ").title(),
        learner_name=learner.full_name,
        org_name=org.name,
        issued_at=utcnow() - timedelta(days=days_ago),
        areas=[{"key": "communication", "title": "Communication", "score": 90}],
        signer_name="Dana Whitfield",
        revoked_at=utcnow() if revoked else None,
        revoke_reason="issued by mistake" if revoked else None,
    )
    db.session.add(credential)
    db.session.commit()
    return credential


def test_list_newest_first_with_filters(api, org, make_user) -> None:
    ann = make_user(org, Role.LEARNER, first_name="Ann")
    bob = make_user(org, Role.LEARNER, first_name="Bob")
    old = issue(org, ann, "workplace_readiness", days_ago=3)
    new = issue(org, bob, "workplace_readiness")
    gone = issue(org, bob, "food_safety", days_ago=1, revoked=True)
    listing = api.get("/api/v1/credentials").json
    assert [item["public_id"] for item in listing["items"]] == [
        new.public_id,
        gone.public_id,
        old.public_id,
    ]
    assert listing["total"] == 3
    by_learner = api.get(f"/api/v1/credentials?learner={ann.id}").json["items"]
    assert [item["public_id"] for item in by_learner] == [old.public_id]
    by_suite = api.get("/api/v1/credentials?suite=food_safety").json["items"]
    assert [item["public_id"] for item in by_suite] == [gone.public_id]
    live = api.get("/api/v1/credentials?include_revoked=false").json["items"]
    assert gone.public_id not in [item["public_id"] for item in live]


def test_get_credential(api, org, make_user) -> None:
    learner = make_user(org, Role.LEARNER)
    credential = issue(org, learner, "workplace_readiness", revoked=True)
    response = api.get(f"/api/v1/credentials/{credential.public_id}")
    assert response.status_code == 200
    data = response.json
    assert data["code"] == credential.code
    assert data["learner_id"] == learner.id
    assert data["revoked"] is True
    assert data["revoke_reason"] == "issued by mistake"
    assert data["areas"] == [
        {"key": "communication", "title": "Communication", "score": 90}
    ]
    assert data["verification_url"].endswith(f"/verify/{credential.public_id}")
    assert data["issued_at"].endswith("+00:00")


def test_other_org_credential_not_found(api, make_org, make_user) -> None:
    other = make_org()
    stranger = make_user(other, Role.LEARNER)
    credential = issue(other, stranger, "workplace_readiness")
    assert api.get(f"/api/v1/credentials/{credential.public_id}").status_code == 404
    assert api.get(f"/api/v1/credentials?learner={stranger.id}").status_code == 404
    assert api.get("/api/v1/credentials").json["items"] == []
    assert api.get("/api/v1/credentials/not%20an%20id").status_code == 404


def test_balance_with_credits_plugin(api, org) -> None:
    from laurel_credits import services

    services.purchase(org.id, 12, "INV-1", None, "test-purchase")
    db.session.commit()
    response = api.get("/api/v1/credits/balance")
    assert response.status_code == 200
    assert response.json == {"balance": 12, "billing": True}


@pytest.fixture
def no_plugins(app_config):  # noqa: ANN001, ANN201
    app_config["PLUGINS"] = ""
    return app_config


def test_balance_without_billing(no_plugins, api) -> None:
    response = api.get("/api/v1/credits/balance")
    assert response.json == {"balance": None, "billing": False}
