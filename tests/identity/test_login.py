"""Logging in and out, sessions, rate limits and password rules."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from laurel.extensions import db
from laurel.identity.models import LoginFailure, Role
from laurel.identity.passwords import HASHER
from tests.conftest import TEST_PASSWORD


def test_login_with_any_email_case(client, make_org, make_user) -> None:
    org = make_org()
    user = make_user(org, Role.INSTRUCTOR, email="Ana.Lopez@School.example")
    assert user.email == "ana.lopez@school.example"
    response = client.post(
        "/login",
        data={"email": "  ANA.LOPEZ@school.EXAMPLE ", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/learners").status_code == 200


def test_unknown_email_and_wrong_password_look_alike(
    client, make_org, make_user
) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    wrong_password = client.post(
        "/login", data={"email": user.email, "password": "nope nope"}
    )
    unknown_email = client.post(
        "/login", data={"email": "nobody@x.example", "password": "nope nope"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert "Email or password is incorrect." in wrong_password.get_data(as_text=True)
    assert "Email or password is incorrect." in unknown_email.get_data(as_text=True)


def test_session_renewed_at_login(client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_logout_ends_session(login, make_org, make_user) -> None:
    client = login(make_user(make_org(), Role.INSTRUCTOR))
    assert client.post("/logout").status_code == 302
    assert client.get("/learners").status_code == 302


def test_failed_logins_rate_limited_per_account(
    client, app, make_org, make_user
) -> None:
    app.config["LAUREL_LOGIN_FAILURE_LIMIT"] = 3
    user = make_user(make_org(), Role.INSTRUCTOR)
    for _ in range(3):
        assert (
            client.post(
                "/login", data={"email": user.email, "password": "wrong pass"}
            ).status_code
            == 401
        )
    blocked = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert blocked.status_code == 429
    assert "Too many failed logins" in blocked.get_data(as_text=True)


def test_failed_logins_rate_limited_per_address(
    client, app, make_org, make_user
) -> None:
    app.config["LAUREL_LOGIN_FAILURE_LIMIT"] = 3
    org = make_org()
    users = [make_user(org, Role.LEARNER) for _ in range(4)]
    for user in users[:3]:
        client.post("/login", data={"email": user.email, "password": "wrong pass"})
    blocked = client.post(
        "/login", data={"email": users[3].email, "password": TEST_PASSWORD}
    )
    assert blocked.status_code == 429
    other_address = client.post(
        "/login",
        data={"email": users[3].email, "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert other_address.status_code == 302


def test_success_clears_account_failures(client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    client.post("/login", data={"email": user.email, "password": "wrong pass"})
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    keys = db.session.scalars(db.select(LoginFailure.key)).all()
    assert f"email:{user.email}" not in keys


def test_deactivated_user_cannot_log_in(client, make_org, make_user) -> None:
    from laurel.identity.services import deactivate_user

    user = make_user(make_org(), Role.LEARNER)
    deactivate_user(user, actor_id=None)
    db.session.commit()
    assert (
        client.post(
            "/login", data={"email": user.email, "password": TEST_PASSWORD}
        ).status_code
        == 401
    )


def test_open_redirect_rejected(client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/"


def test_hash_parameters_meet_owasp_minimum() -> None:
    assert HASHER.time_cost >= 2
    assert HASHER.memory_cost >= 19 * 1024
    assert HASHER.parallelism == 1
    params = PasswordHasher().check_needs_rehash
    assert callable(params)
    assert HASHER.hash("x" * 8).startswith("$argon2id$")


def test_change_own_password(login, client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.LEARNER)
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a new secret 42",
            "confirm": "a new secret 42",
        },
    )
    assert response.status_code == 302
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": user.email, "password": "a new secret 42"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "at least 8 characters"), ("x" * 129, "at most 128 characters")],
)
def test_password_length_rules(
    login, client, make_org, make_user, password, message
) -> None:
    login(make_user(make_org(), Role.LEARNER))
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": password,
            "confirm": password,
        },
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_password_change_signs_out_other_sessions(
    app, login, make_org, make_user
) -> None:
    user = make_user(make_org(), Role.LEARNER)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    client = login(user)
    client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "fresh secret 1",
            "confirm": "fresh secret 1",
        },
    )
    assert client.get("/account/password").status_code == 200
    assert other.get("/account/password").status_code == 302


def test_forms_require_csrf_token(app, client, make_org, make_user) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(make_org(), Role.INSTRUCTOR)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
