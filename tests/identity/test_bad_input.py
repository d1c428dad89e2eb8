"""Input that PostgreSQL rejects gets a clear error on every database."""

from __future__ import annotations

from laurel.extensions import db
from laurel.identity.models import Role, User


def test_huge_id_is_not_found(login, make_org, make_user) -> None:
    client = login(make_user(make_org(), Role.INSTRUCTOR))
    assert client.get("/learners/99999999999").status_code == 404
    assert client.get("/groups/2147483648").status_code == 404


def test_nul_in_search_is_rejected(login, make_org, make_user) -> None:
    client = login(make_user(make_org(), Role.INSTRUCTOR))
    response = client.get("/learners?q=a%00b")
    assert response.status_code == 400
    assert "contains a NUL character" in response.get_data(as_text=True)


def test_nul_in_form_changes_nothing(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    response = client.post(
        "/learners/new",
        data={"first_name": "A\x00", "last_name": "B", "email": "a@b.org"},
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(User).where(User.email == "a@b.org")) is None


def test_duplicate_student_id_named(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    data = {
        "first_name": "Ana",
        "last_name": "Lima",
        "email": "ana@x.org",
        "external_id": "S-1",
    }
    assert client.post("/learners/new", data=data).status_code == 302
    again = client.post("/learners/new", data={**data, "email": "other@x.org"})
    assert again.status_code == 200
    assert "Student id &#39;S-1&#39; belongs to another learner" in again.get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(User).where(User.email == "other@x.org")) is None


def test_student_id_edit_checked(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.INSTRUCTOR))
    first = make_user(org, Role.LEARNER)
    second = make_user(org, Role.LEARNER)
    first.external_id = "S-9"
    db.session.commit()
    response = client.post(
        f"/learners/{second.id}/edit",
        data={
            "first_name": "B",
            "last_name": "C",
            "email": second.email,
            "external_id": " S-9 ",
        },
    )
    assert response.status_code == 200
    assert "belongs to another learner" in response.get_data(as_text=True)
    assert second.external_id is None


def test_same_student_id_in_two_orgs(make_org, make_user, login) -> None:
    org_a, org_b = make_org(), make_org()
    for org in (org_a, org_b):
        client = login(make_user(org, Role.INSTRUCTOR))
        data = {
            "first_name": "A",
            "last_name": "B",
            "email": f"s1@{org.slug}.org",
            "external_id": "S-1",
        }
        assert client.post("/learners/new", data=data).status_code == 302
