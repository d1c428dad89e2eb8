"""/api/v1/groups: listing with member counts, create, rename, archive, members."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.rosters import services as rosters
from laurel.rosters.models import Group


@pytest.fixture
def org(make_org):  # noqa: ANN001, ANN201
    return make_org()


@pytest.fixture
def api(api_client, org):  # noqa: ANN001, ANN201
    return api_client(org)


def test_create_and_list_with_counts(api, org, make_user) -> None:
    created = api.post("/api/v1/groups", json={"name": "  Year 7 "})
    assert created.status_code == 201, created.json
    assert created.json["name"] == "Year 7"
    assert created.json["member_count"] == 0
    group = db.session.get(Group, created.json["id"])
    assert group.org_id == org.id
    active = make_user(org, Role.LEARNER)
    inactive = make_user(org, Role.LEARNER)
    rosters.add_members(group, [active.id, inactive.id], actor_id=None)
    inactive.active = False
    db.session.commit()
    listing = api.get("/api/v1/groups").json
    assert listing["total"] == 1
    assert listing["items"][0]["member_count"] == 1
    assert listing["items"][0]["created_at"].endswith("+00:00")


def test_name_errors(api) -> None:
    assert api.post("/api/v1/groups", json={"name": "Reds"}).status_code == 201
    taken = api.post("/api/v1/groups", json={"name": " Reds "})
    assert taken.status_code == 409
    assert taken.json["message"] == "name: A group named 'Reds' exists already."
    blank = api.post("/api/v1/groups", json={"name": "  "})
    assert blank.status_code == 422
    assert blank.json["message"] == "name: Must not be blank or contain NUL characters."
    long = api.post("/api/v1/groups", json={"name": "x" * 101})
    assert long.status_code == 422
    assert long.json["message"].startswith("name: ")
    smuggled = api.post("/api/v1/groups", json={"name": "Blues", "org_id": 1})
    assert smuggled.status_code == 422
    assert smuggled.json["message"] == "org_id: Unknown field."


def test_rename(api, org) -> None:
    group = rosters.create_group(org.id, "Reds", actor_id=None)
    rosters.create_group(org.id, "Blues", actor_id=None)
    db.session.commit()
    renamed = api.patch(f"/api/v1/groups/{group.id}", json={"name": "Greens"})
    assert renamed.status_code == 200
    assert group.name == "Greens"
    same = api.patch(f"/api/v1/groups/{group.id}", json={"name": "Greens"})
    assert same.status_code == 200
    clash = api.patch(f"/api/v1/groups/{group.id}", json={"name": "Blues"})
    assert clash.status_code == 409
    assert group.name == "Greens"


def test_archive_and_restore(api, org) -> None:
    group = rosters.create_group(org.id, "Reds", actor_id=None)
    db.session.commit()
    archived = api.post(f"/api/v1/groups/{group.id}/archive")
    assert archived.json["archived"] is True
    assert archived.json["archived_at"] is not None
    assert api.get("/api/v1/groups").json["items"] == []
    listed = api.get("/api/v1/groups?include_archived=true").json["items"]
    assert [item["name"] for item in listed] == ["Reds"]
    restored = api.post(f"/api/v1/groups/{group.id}/restore")
    assert restored.json["archived"] is False
    actions = list(
        db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    )
    assert actions[-2:] == ["group.archived", "group.restored"]


def test_members_add_list_remove(api, org, make_user, make_org) -> None:
    group = rosters.create_group(org.id, "Reds", actor_id=None)
    db.session.commit()
    ann = make_user(org, Role.LEARNER, first_name="Ann", last_name="Able")
    bob = make_user(org, Role.LEARNER, first_name="Bob", last_name="Baker")
    added = api.post(
        f"/api/v1/groups/{group.id}/members", json={"learner_ids": [ann.id, bob.id]}
    )
    assert added.status_code == 200
    assert added.json == {"added": 2}
    again = api.post(
        f"/api/v1/groups/{group.id}/members", json={"learner_ids": [ann.id]}
    )
    assert again.json == {"added": 0}
    members = api.get(f"/api/v1/groups/{group.id}/members").json
    assert [item["first_name"] for item in members["items"]] == ["Ann", "Bob"]
    removed = api.delete(f"/api/v1/groups/{group.id}/members/{ann.id}")
    assert removed.status_code == 204
    assert removed.get_data() == b""
    not_member = api.delete(f"/api/v1/groups/{group.id}/members/{ann.id}")
    assert not_member.status_code == 404
    assert not_member.json["message"].startswith("learner_id: ")
    assert [user.id for user in group.members] == [bob.id]


def test_members_must_be_own_learners(api, org, make_user, make_org) -> None:
    group = rosters.create_group(org.id, "Reds", actor_id=None)
    db.session.commit()
    instructor = make_user(org, Role.INSTRUCTOR)
    stranger = make_user(make_org(), Role.LEARNER)
    for user in (instructor, stranger):
        response = api.post(
            f"/api/v1/groups/{group.id}/members", json={"learner_ids": [user.id]}
        )
        assert response.status_code == 404
        assert response.json["message"] == (
            f"learner_ids: learners [{user.id}] were not found in this organisation."
        )
    empty = api.post(f"/api/v1/groups/{group.id}/members", json={"learner_ids": []})
    assert empty.status_code == 422
    assert group.members == []
