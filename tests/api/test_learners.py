"""/api/v1/learners: listing with the page's filters, create, update, deactivate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity import passwords
from laurel.identity.models import Role, User
from laurel.rosters import services as rosters


@pytest.fixture
def org(make_org):  # noqa: ANN001, ANN201
    return make_org()


@pytest.fixture
def api(api_client, org):  # noqa: ANN001, ANN201
    return api_client(org)


def learner_body(**overrides: object) -> dict[str, object]:
    body = {"first_name": "Zoë", "last_name": "O'Brien", "email": " Zoe@Example.ORG "}
    body.update(overrides)
    return body


def test_create_learner_generates_password(api, org) -> None:
    response = api.post("/api/v1/learners", json=learner_body(external_id="S-1"))
    assert response.status_code == 201, response.json
    data = response.json
    assert data["email"] == "zoe@example.org"
    assert data["first_name"] == "Zoë"
    assert data["external_id"] == "S-1"
    assert data["active"] is True
    assert data["groups"] == []
    assert data["created_at"].endswith("+00:00")
    user = db.session.get(User, data["id"])
    assert user.org_id == org.id
    assert user.role is Role.LEARNER
    assert passwords.verify_password(user.password_hash, data["generated_password"])
    assert "password" not in data


def test_create_learner_with_password_and_groups(api, org) -> None:
    group = rosters.create_group(org.id, "Year 10", actor_id=None)
    db.session.commit()
    body = learner_body(password="long enough secret", group_ids=[group.id])
    response = api.post("/api/v1/learners", json=body)
    assert response.status_code == 201, response.json
    assert response.json["generated_password"] is None
    assert response.json["groups"] == [{"id": group.id, "name": "Year 10"}]
    user = db.session.get(User, response.json["id"])
    assert passwords.verify_password(user.password_hash, "long enough secret")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.created", "group.members_added"} <= actions


@pytest.mark.parametrize(
    "field, value",
    [("org_id", 99), ("role", "org_admin"), ("credits", 100), ("active", False)],
)
def test_unknown_fields_rejected(api, field, value) -> None:
    response = api.post("/api/v1/learners", json=learner_body(**{field: value}))
    assert response.status_code == 422
    assert response.json["message"] == f"{field}: Unknown field."
    assert response.json["errors"] == {"json": {field: ["Unknown field."]}}
    assert db.session.scalar(select(User).where(User.role == Role.LEARNER)) is None


def test_invalid_fields_named(api) -> None:
    cases = {
        "email": learner_body(email="not an email"),
        "first_name": learner_body(first_name="   "),
        "password": learner_body(password="short"),
        "group_ids": learner_body(group_ids=["one"]),
    }
    for field, body in cases.items():
        response = api.post("/api/v1/learners", json=body)
        assert response.status_code == 422, field
        assert response.json["message"].startswith(f"{field}"), response.json
    missing = api.post("/api/v1/learners", json={"first_name": "A"})
    assert missing.status_code == 422
    assert "last_name: Missing data for required field." in missing.json["message"]
    assert "email: Missing data for required field." in missing.json["message"]


def test_bad_json_bodies(api) -> None:
    not_json = api.post(
        "/api/v1/learners", data="{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json["code"] == 400
    listed = api.post("/api/v1/learners", json=[1, 2])
    assert listed.status_code == 422
    assert listed.json["message"].startswith("request body:")


def test_nul_character_rejected(api) -> None:
    response = api.post("/api/v1/learners", json=learner_body(last_name="Lee\x00"))
    assert response.status_code == 422
    assert response.json["message"] == (
        "last_name: Must not be blank or contain NUL characters."
    )


def test_nul_query_has_request_id(api) -> None:
    response = api.get("/api/v1/learners?q=a%00b")
    assert response.status_code == 400
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_duplicates_conflict(api, org, make_org, make_user) -> None:
    make_user(make_org(), Role.LEARNER, email="taken@example.org")
    taken = api.post("/api/v1/learners", json=learner_body(email="TAKEN@example.org"))
    assert taken.status_code == 409
    assert taken.json["message"].startswith(
        "email: 'taken@example.org' is already in use"
    )
    first = api.post("/api/v1/learners", json=learner_body(external_id="S-9"))
    assert first.status_code == 201
    second = api.post(
        "/api/v1/learners",
        json=learner_body(email="other@example.org", external_id="S-9"),
    )
    assert second.status_code == 409
    assert second.json["message"].startswith("external_id: student id 'S-9'")


def test_group_of_other_org_not_found(api, make_org) -> None:
    other_group = rosters.create_group(make_org().id, "Elsewhere", actor_id=None)
    db.session.commit()
    response = api.post(
        "/api/v1/learners", json=learner_body(group_ids=[other_group.id])
    )
    assert response.status_code == 404
    assert response.json["message"].startswith("group_ids: groups [")


def test_archived_group_conflicts(api, org) -> None:
    group = rosters.create_group(org.id, "Old", actor_id=None)
    rosters.set_group_archived(group, True, actor_id=None)
    db.session.commit()
    response = api.post("/api/v1/learners", json=learner_body(group_ids=[group.id]))
    assert response.status_code == 409
    assert "archived" in response.json["message"]


def test_list_filters_match_page(api, org, make_user) -> None:
    ann = make_user(org, Role.LEARNER, first_name="Ann", last_name="Able")
    bob = make_user(org, Role.LEARNER, first_name="Bob", last_name="Baker")
    gone = make_user(org, Role.LEARNER, first_name="Cy", last_name="Gone")
    make_user(org, Role.INSTRUCTOR, first_name="Staff")
    group = rosters.create_group(org.id, "Reds", actor_id=None)
    rosters.add_members(group, [bob.id], actor_id=None)
    gone.active = False
    db.session.commit()

    def names(query: str) -> list[str]:
        response = api.get(f"/api/v1/learners{query}")
        assert response.status_code == 200, response.json
        return [item["first_name"] for item in response.json["items"]]

    assert names("") == ["Ann", "Bob"]
    assert names("?include_inactive=true") == ["Ann", "Bob", "Cy"]
    assert names("?q=bak") == ["Bob"]
    assert names(f"?group={group.id}") == ["Bob"]
    assert names("?q=ann%20able") == ["Ann"]
    assert ann.id != bob.id


def test_list_pagination(api, org, make_user) -> None:
    for number in range(5):
        make_user(org, Role.LEARNER, last_name=f"Person {number}")
    first = api.get("/api/v1/learners?per_page=2").json
    assert [first["page"], first["per_page"], first["total"], first["pages"]] == [
        1,
        2,
        5,
        3,
    ]
    assert len(first["items"]) == 2
    last = api.get("/api/v1/learners?per_page=2&page=3").json
    assert [item["last_name"] for item in last["items"]] == ["Person 4"]
    beyond = api.get("/api/v1/learners?per_page=2&page=9").json
    assert beyond["items"] == []
    for query in ("page=0", "per_page=201", "page=x", "include_inactive=maybe"):
        response = api.get(f"/api/v1/learners?{query}")
        assert response.status_code == 422, query
        assert response.json["message"].startswith("query parameter "), query


def test_get_update_learner(api, org, make_user) -> None:
    user = make_user(org, Role.LEARNER, first_name="Old")
    reds = rosters.create_group(org.id, "Reds", actor_id=None)
    blues = rosters.create_group(org.id, "Blues", actor_id=None)
    rosters.add_members(reds, [user.id], actor_id=None)
    db.session.commit()
    assert api.get(f"/api/v1/learners/{user.id}").json["first_name"] == "Old"
    body = {"first_name": "New", "email": "new@example.org", "group_ids": [blues.id]}
    response = api.patch(f"/api/v1/learners/{user.id}", json=body)
    assert response.status_code == 200, response.json
    assert response.json["first_name"] == "New"
    assert response.json["last_name"] == user.last_name
    assert response.json["email"] == "new@example.org"
    assert response.json["groups"] == [{"id": blues.id, "name": "Blues"}]
    cleared = api.patch(f"/api/v1/learners/{user.id}", json={"external_id": None})
    assert cleared.json["external_id"] is None
    smuggled = api.patch(f"/api/v1/learners/{user.id}", json={"role": "org_admin"})
    assert smuggled.status_code == 422
    assert user.role is Role.LEARNER


def test_staff_are_not_learners(api, org, make_user) -> None:
    instructor = make_user(org, Role.INSTRUCTOR)
    assert api.get(f"/api/v1/learners/{instructor.id}").status_code == 404
    response = api.post(f"/api/v1/learners/{instructor.id}/deactivate")
    assert response.status_code == 404
    assert instructor.active


def test_deactivate_and_reactivate(api, org, make_user) -> None:
    user = make_user(org, Role.LEARNER)
    token_before = user.session_token
    response = api.post(f"/api/v1/learners/{user.id}/deactivate")
    assert response.status_code == 200
    assert response.json["active"] is False
    assert response.json["deactivated_at"] is not None
    assert user.session_token != token_before
    again = api.post(f"/api/v1/learners/{user.id}/deactivate")
    assert again.status_code == 200
    back = api.post(f"/api/v1/learners/{user.id}/reactivate")
    assert back.json["active"] is True
    actions = list(
        db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    )
    assert actions.count("user.deactivated") == 1
    assert actions[-1] == "user.reactivated"


def test_huge_ids_not_found(api) -> None:
    assert api.get("/api/v1/learners/99999999999").status_code == 404
    assert api.get("/api/v1/learners/0").status_code == 404
    response = api.get("/api/v1/learners?group=99999999999")
    assert response.status_code == 422
