"""Creating, renaming and archiving groups, and their members."""

from __future__ import annotations

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.rosters import services as rosters
from laurel.rosters.models import Group


def test_create_rename_archive(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    response = client.post("/groups", data={"name": "  Class 7B "})
    assert response.status_code == 302
    group = db.session.scalar(db.select(Group).where(Group.org_id == org.id))
    assert group.name == "Class 7B"
    assert (
        client.post(f"/groups/{group.id}", data={"name": "Class 7C"}).status_code == 302
    )
    assert group.name == "Class 7C"
    client.post(f"/groups/{group.id}/archive", data={"archive": "1"})
    assert group.archived
    listing = client.get("/groups").get_data(as_text=True)
    assert ">Class 7C</a>" not in listing
    assert ">Class 7C</a>" in client.get("/groups?archived=1").get_data(as_text=True)
    client.post(f"/groups/{group.id}/archive", data={"archive": "0"})
    assert not group.archived


def test_duplicate_and_empty_names_rejected(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    client.post("/groups", data={"name": "Class 7B"})
    duplicate = client.post("/groups", data={"name": "Class 7B"}).get_data(as_text=True)
    assert "A group named &#39;Class 7B&#39; exists already." in duplicate
    empty = client.post("/groups", data={"name": "   "})
    assert empty.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Group)) == 1


def test_members_and_counts(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    group = rosters.create_group(org.id, "Class 7B", actor_id=None)
    other_group = rosters.create_group(org.id, "Chess club", actor_id=None)
    ana, ben = (
        make_user(org, Role.LEARNER, first_name="Ana"),
        make_user(org, Role.LEARNER, first_name="Ben"),
    )
    db.session.commit()
    client.post(
        f"/groups/{group.id}/members", data={"user_id": [str(ana.id), str(ben.id)]}
    )
    client.post(f"/groups/{other_group.id}/members", data={"user_id": [str(ana.id)]})
    counts = {g.name: n for g, n in rosters.groups_with_counts(org.id)}
    assert counts == {"Chess club": 1, "Class 7B": 2}
    assert "<td>2</td>" in client.get("/groups").get_data(as_text=True)
    client.post(f"/groups/{group.id}/members/{ben.id}/remove")
    assert {g.name: n for g, n in rosters.groups_with_counts(org.id)}["Class 7B"] == 1
    search = client.get(f"/groups/{group.id}?q=ben").get_data(as_text=True)
    assert f'value="{ben.id}"' in search


def test_cannot_add_other_org_learner(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    group = rosters.create_group(org.id, "Class 7B", actor_id=None)
    stranger = make_user(make_org(), Role.LEARNER)
    db.session.commit()
    client.post(f"/groups/{group.id}/members", data={"user_id": [str(stranger.id)]})
    assert rosters.groups_with_counts(org.id)[0][1] == 0
