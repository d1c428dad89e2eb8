"""The API tokens page, token storage and bearer authentication."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from laurel.api.models import ApiToken
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from tests.api.conftest import bearer

SECRET_PATTERN = re.compile(r"laurel_[A-Za-z0-9_-]{43}")


def create_on_page(client, name: str = "SIS sync", role: str = "instructor"):  # noqa: ANN001, ANN201
    response = client.post("/api-tokens", data={"name": name, "role": role})
    secrets = SECRET_PATTERN.findall(response.get_data(as_text=True))
    return response, secrets


def test_admin_creates_token_shown_once(login, make_org, make_user, client) -> None:
    org = make_org()
    admin = make_user(org, Role.ORG_ADMIN)
    login(admin)
    response, secrets = create_on_page(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert len(secrets) == 1
    secret = secrets[0]
    token = db.session.scalar(select(ApiToken).where(ApiToken.org_id == org.id))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.role is Role.INSTRUCTOR
    assert token.created_by_id == admin.id
    assert secret.startswith(token.prefix)
    assert secret not in client.get("/api-tokens").get_data(as_text=True)
    assert token.prefix in client.get("/api-tokens").get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.org_id == org.id)
    )
    assert "api_token.created" in set(actions)


def test_secret_stored_only_hashed(login, make_org, make_user, client) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    _response, (secret,) = create_on_page(client)
    row = db.session.execute(select(ApiToken.__table__)).one()
    assert all(secret not in str(value) for value in row)


def test_token_authenticates_until_revoked(login, make_org, make_user, client) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    _response, (secret,) = create_on_page(client)
    assert client.get("/api/v1/learners", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.org_id == org.id))
    assert token.last_used_at is not None
    response = client.post(f"/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert token.revoked_at is not None
    denied = client.get("/api/v1/learners", headers=bearer(secret))
    assert denied.status_code == 401
    assert denied.json["message"] == "The API token is invalid or revoked."
    assert denied.headers["WWW-Authenticate"].startswith("Bearer")


def test_org_admin_role_token(login, make_org, make_user, client) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    _response, (secret,) = create_on_page(client, role="org_admin")
    token = db.session.scalar(select(ApiToken).where(ApiToken.org_id == org.id))
    assert token.role is Role.ORG_ADMIN
    assert client.get("/api/v1/groups", headers=bearer(secret)).status_code == 200


def test_learner_role_rejected(login, make_org, make_user, client) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    response, secrets = create_on_page(client, role="learner")
    assert response.status_code == 200
    assert secrets == []
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_blank_name_rejected(login, make_org, make_user, client) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    response, secrets = create_on_page(client, name="   ")
    assert secrets == []
    assert "This field is required." in response.get_data(as_text=True)


def test_page_only_for_org_admins(login, make_org, make_user, client) -> None:
    org = make_org()
    for role in (Role.INSTRUCTOR, Role.LEARNER):
        login(make_user(org, role))
        assert client.get("/api-tokens").status_code == 403
        assert (
            client.post(
                "/api-tokens", data={"name": "x", "role": "instructor"}
            ).status_code
            == 403
        )
    assert db.session.scalar(select(ApiToken)) is None


def test_missing_and_malformed_headers(client, make_org, make_token) -> None:
    secret = make_token(make_org())
    cases = {
        "no header": {},
        "basic scheme": {"Authorization": f"Basic {secret}"},
        "empty bearer": {"Authorization": "Bearer "},
        "unknown token": {"Authorization": "Bearer laurel_" + "x" * 43},
        "no prefix": {"Authorization": "Bearer " + "x" * 50},
    }
    for label, headers in cases.items():
        response = client.get("/api/v1/learners", headers=headers)
        assert response.status_code == 401, label
        assert response.json["code"] == 401, label
        assert "request_id" in response.json, label
    assert client.get("/api/v1/learners", headers=bearer(secret)).status_code == 200


def test_session_cookie_does_not_authenticate(
    login, make_org, make_user, client
) -> None:
    org = make_org()
    login(make_user(org, Role.ORG_ADMIN))
    assert client.get("/api/v1/learners").status_code == 401
    response = client.post("/api/v1/groups", json={"name": "By cookie"})
    assert response.status_code == 401


def test_roles_required_checks_token_role(app_config, make_org, make_user) -> None:
    """An endpoint limited to org admin tokens rejects instructor tokens with 403."""
    from flask_smorest import Api

    from laurel import create_app
    from laurel.api import make_blueprint
    from laurel.api.auth import roles_required
    from laurel.api.services import create_token

    blueprint = make_blueprint("admin_only_test", "/admin-only-test", "Test endpoint.")

    @blueprint.route("")
    @roles_required(Role.ORG_ADMIN)
    def admin_only() -> dict[str, str]:
        return {"ok": "yes"}

    app = create_app(app_config)
    api: Api = app.extensions["laurel.api"]
    api.register_blueprint(blueprint)
    with app.app_context():
        org = make_org()
        admin = make_user(org, Role.ORG_ADMIN)
        secrets = {
            role: create_token(org.id, role.value, role, admin.id).secret
            for role in (Role.INSTRUCTOR, Role.ORG_ADMIN)
        }
        db.session.commit()
    client = app.test_client()
    denied = client.get(
        "/api/v1/admin-only-test", headers=bearer(secrets[Role.INSTRUCTOR])
    )
    assert denied.status_code == 403
    assert denied.json["message"] == "This operation needs a token with role org_admin."
    allowed = client.get(
        "/api/v1/admin-only-test", headers=bearer(secrets[Role.ORG_ADMIN])
    )
    assert allowed.status_code == 200
    assert allowed.json == {"ok": "yes"}
