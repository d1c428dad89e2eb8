"""The learners list, the learner page, adding and editing learners."""

from __future__ import annotations

from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.rosters import services as rosters
from tests.conftest import TEST_PASSWORD


def staff_client(login, make_org, make_user):
    org = make_org()
    instructor = make_user(org, Role.INSTRUCTOR)
    return org, instructor, login(instructor)


def test_add_learner_with_generated_password(
    login, make_org, make_user, client
) -> None:
    org, instructor, client = staff_client(login, make_org, make_user)
    group = rosters.create_group(org.id, "Year 10", actor_id=instructor.id)
    db.session.commit()
    response = client.post(
        "/learners/new",
        data={
            "first_name": "Zoë",
            "last_name": "O'Brien-Walsh",
            "email": " Zoe@Example.ORG ",
            "groups": [str(group.id)],
        },
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    learner = db.session.scalar(select(User).where(User.email == "zoe@example.org"))
    assert learner.first_name == "Zoë"
    assert learner.last_name == "O'Brien-Walsh"
    assert learner.role is Role.LEARNER
    assert learner.org_id == org.id
    assert "shown only now" in body
    assert "O&#39;Brien-Walsh" in body
    assert rosters.groups_of([learner.id]) == {learner.id: ["Year 10"]}
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == instructor.id)
    ).all()
    assert "user.created" in actions


def test_add_learner_rejects_taken_email(login, make_org, make_user) -> None:
    org, _instructor, client = staff_client(login, make_org, make_user)
    existing = make_user(make_org(), Role.LEARNER, email="taken@example.org")
    response = client.post(
        "/learners/new",
        data={"first_name": "A", "last_name": "B", "email": "TAKEN@example.org"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "&#39;taken@example.org&#39; is already in use" in body
    assert (
        db.session.scalar(select(User.org_id).where(User.email == "taken@example.org"))
        == existing.org_id
    )


def test_add_learner_rejects_bad_email(login, make_org, make_user) -> None:
    _org, _instructor, client = staff_client(login, make_org, make_user)
    response = client.post(
        "/learners/new",
        data={"first_name": "A", "last_name": "B", "email": "not-an-email"},
    )
    assert "is not an email address" in response.get_data(as_text=True)


def test_learners_search_filter_and_pages(app, login, make_org, make_user) -> None:
    org, instructor, client = staff_client(login, make_org, make_user)
    app.config["LAUREL_PAGE_SIZE"] = 5
    group = rosters.create_group(org.id, "Evening class", actor_id=None)
    learners = [
        make_user(org, Role.LEARNER, last_name=f"Learner {n:02d}") for n in range(12)
    ]
    make_user(org, Role.LEARNER, first_name="Nguyễn", last_name="Văn An")
    rosters.add_members(group, [learners[0].id, learners[1].id], actor_id=None)
    db.session.commit()

    first = client.get("/learners").get_data(as_text=True)
    assert "13 learners" in first
    assert "Page 1 of 3" in first
    third = client.get("/learners?page=3").get_data(as_text=True)
    assert "Văn An" in third
    found = client.get("/learners?q=nguy").get_data(as_text=True)
    assert "1 learner" in found
    assert "Văn An" in found
    grouped = client.get(f"/learners?group={group.id}").get_data(as_text=True)
    assert "2 learners" in grouped
    empty = client.get("/learners?q=nobody-matches").get_data(as_text=True)
    assert "No learners match these filters." in empty
    assert instructor.email not in first


def test_learners_empty_state(login, make_org, make_user) -> None:
    _org, _instructor, client = staff_client(login, make_org, make_user)
    assert "No learners yet." in client.get("/learners").get_data(as_text=True)


def test_learner_cannot_see_staff_pages(login, make_org, make_user) -> None:
    learner = make_user(make_org(), Role.LEARNER)
    client = login(learner)
    assert client.get("/learners").status_code == 403
    assert client.get("/groups").status_code == 403


def test_edit_learner(login, make_org, make_user) -> None:
    org, _instructor, client = staff_client(login, make_org, make_user)
    learner = make_user(org, Role.LEARNER)
    response = client.post(
        f"/learners/{learner.id}/edit",
        data={
            "first_name": "محمد",
            "last_name": "Al-Amin",
            "email": "mohammed@example.org",
            "external_id": "S-77",
        },
    )
    assert response.status_code == 302
    assert (learner.first_name, learner.last_name) == ("محمد", "Al-Amin")
    assert learner.email == "mohammed@example.org"
    assert learner.external_id == "S-77"


def test_deactivate_keeps_history_and_blocks_login(
    app, login, make_org, make_user
) -> None:
    org, _instructor, client = staff_client(login, make_org, make_user)
    learner = make_user(org, Role.LEARNER)
    assert client.post(f"/learners/{learner.id}/deactivate").status_code == 302
    assert learner.active is False
    assert learner.deactivated_at is not None
    assert "Include deactivated" in client.get("/learners").get_data(as_text=True)
    assert learner.email not in client.get("/learners").get_data(as_text=True)
    assert learner.email in client.get("/learners?inactive=1").get_data(as_text=True)
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": learner.email, "password": TEST_PASSWORD}
        ).status_code
        == 401
    )
    client.post(f"/learners/{learner.id}/reactivate")
    assert learner.active is True


def test_reset_password_generates_one(app, login, make_org, make_user) -> None:
    org, _instructor, client = staff_client(login, make_org, make_user)
    learner = make_user(org, Role.LEARNER)
    body = client.post(
        f"/learners/{learner.id}/password", follow_redirects=True
    ).get_data(as_text=True)
    marker = "The new password, shown only now: "
    assert marker in body
    password = body.split(marker, 1)[1].split("<", 1)[0].strip()
    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": learner.email, "password": password}
        ).status_code
        == 302
    )
