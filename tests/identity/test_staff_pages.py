"""Creating organisations and adding their staff on the web."""

from __future__ import annotations

from sqlalchemy import select

from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User


def test_platform_admin_creates_org_and_admin(login, make_user) -> None:
    client = login(make_user(None, Role.PLATFORM_ADMIN))
    response = client.post(
        "/admin/organisations", data={"name": "Riverside College", "slug": "riverside"}
    )
    assert response.status_code == 302
    org = db.session.scalar(
        select(Organisation).where(Organisation.slug == "riverside")
    )
    assert org.name == "Riverside College"
    body = client.post(
        f"/admin/organisations/{org.id}",
        data={
            "first_name": "Morgan",
            "last_name": "Reyes",
            "email": "Morgan@R.example",
            "role": "org_admin",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    admin = db.session.scalar(select(User).where(User.email == "morgan@r.example"))
    assert admin.role is Role.ORG_ADMIN
    assert admin.org_id == org.id
    assert "shown only now" in body
    assert "Riverside College" in client.get("/admin/organisations").get_data(
        as_text=True
    )


def test_bad_slug_and_taken_slug_named(login, make_user, make_org) -> None:
    make_org("riverside", "Riverside")
    client = login(make_user(None, Role.PLATFORM_ADMIN))
    bad = client.post("/admin/organisations", data={"name": "X", "slug": "Not Valid!"})
    assert "is not a valid slug" in bad.get_data(as_text=True)
    taken = client.post("/admin/organisations", data={"name": "X", "slug": "riverside"})
    assert "exists already" in taken.get_data(as_text=True)


def test_org_admin_adds_instructor(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.ORG_ADMIN))
    response = client.post(
        "/staff",
        data={
            "first_name": "Dana",
            "last_name": "W",
            "email": "dana@x.org",
            "role": "instructor",
            "password": "long enough 1",
        },
    )
    assert response.status_code == 302
    dana = db.session.scalar(select(User).where(User.email == "dana@x.org"))
    assert (dana.role, dana.org_id) == (Role.INSTRUCTOR, org.id)


def test_role_choice_cannot_be_smuggled(login, make_org, make_user) -> None:
    org = make_org()
    client = login(make_user(org, Role.ORG_ADMIN))
    response = client.post(
        "/staff",
        data={
            "first_name": "E",
            "last_name": "V",
            "email": "eve@x.org",
            "role": "platform_admin",
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "eve@x.org")) is None


def test_instructor_cannot_add_staff(login, make_org, make_user) -> None:
    client = login(make_user(make_org(), Role.INSTRUCTOR))
    assert client.get("/staff").status_code == 403
    assert client.get("/admin/organisations").status_code == 403
