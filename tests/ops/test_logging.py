"""Request ids, one log line per request, ids on every record, no secrets in logs."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest

from laurel.identity.models import Role
from laurel.ops.logs import LOG_FORMAT
from tests.api.conftest import bearer
from tests.conftest import TEST_PASSWORD

REQUEST_LOGGER = "laurel.ops.request_context"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == REQUEST_LOGGER]


def formatted(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter(LOG_FORMAT)
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_request_id_generated(client) -> None:
    first = client.get("/login").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_proxy_request_id_kept(client) -> None:
    for value in ("abc-123.def", "Root=1-5759e988-bd862e3fe1be46a994272793", "f" * 128):
        response = client.get("/login", headers={"X-Request-ID": value})
        assert response.headers["X-Request-ID"] == value


def test_malformed_request_id_replaced(client) -> None:
    for value in ("has spaces", "x" * 129, "-leading-dash", 'quote"d', "semi;colon"):
        response = client.get("/login", headers={"X-Request-ID": value})
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), value


def test_one_line_per_request(client, caplog) -> None:
    caplog.clear()
    response = client.get("/login?next=/groups", headers={"X-Request-ID": "trace-0001"})
    lines = request_lines(caplog)
    assert len(lines) == 1
    assert re.fullmatch(r"GET /login 200 \d+\.\dms", lines[0].getMessage())
    assert lines[0].request_id == "trace-0001"
    assert response.headers["X-Request-ID"] == "trace-0001"
    assert "next=" not in formatted(caplog)


def test_error_responses_logged(client, caplog) -> None:
    caplog.clear()
    client.get("/no-such-page")
    client.get("/api/v1/learners")
    messages = [record.getMessage() for record in request_lines(caplog)]
    assert [message.rsplit(" ", 1)[0] for message in messages] == [
        "GET /no-such-page 404",
        "GET /api/v1/learners 401",
    ]


def test_control_characters_escaped(client, caplog) -> None:
    caplog.clear()
    client.get("/no-such-page%0Aforged%20line")
    (line,) = request_lines(caplog)
    assert "\n" not in line.getMessage()
    assert "\\nforged line" in line.getMessage()


def test_records_carry_user_and_org(client, login, make_org, make_user, caplog) -> None:
    org = make_org()
    instructor = make_user(org, Role.INSTRUCTOR)
    login(instructor)
    caplog.clear()
    client.get("/learners")
    (line,) = request_lines(caplog)
    assert line.user_id == instructor.id
    assert line.org_id == org.id
    assert re.fullmatch(r"[0-9a-f]{32}", line.request_id)


def test_login_record_names_user(client, make_org, make_user, caplog) -> None:
    org = make_org()
    user = make_user(org, Role.INSTRUCTOR)
    caplog.clear()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    login_records = [
        r for r in caplog.records if r.getMessage() == f"user {user.id} logged in"
    ]
    assert len(login_records) == 1
    assert login_records[0].user_id == user.id
    assert login_records[0].org_id == org.id


def test_api_records_carry_token_identity(client, make_org, make_user, caplog) -> None:
    from laurel.api.services import create_token
    from laurel.extensions import db

    org = make_org()
    admin = make_user(org, Role.ORG_ADMIN)
    secret = create_token(org.id, "sync", Role.INSTRUCTOR, admin.id).secret
    db.session.commit()
    caplog.clear()
    client.get("/api/v1/learners", headers=bearer(secret))
    (line,) = request_lines(caplog)
    assert line.user_id == admin.id
    assert line.org_id == org.id


def test_records_outside_requests(app, caplog) -> None:
    caplog.clear()
    logging.getLogger("laurel.test").warning("outside a request")
    (record,) = caplog.records
    assert (record.request_id, record.user_id, record.org_id) == ("-", "-", "-")


def test_no_secrets_in_logs(app, client, make_org, make_user, caplog) -> None:
    """Log in, create a token, use it and create a learner: log none of the secrets."""
    org = make_org()
    admin = make_user(org, Role.ORG_ADMIN)
    caplog.clear()
    login = client.post(
        "/login", data={"email": admin.email, "password": TEST_PASSWORD}
    )
    cookie = login.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]

    page = client.post("/api-tokens", data={"name": "sync", "role": "instructor"})
    (secret,) = re.findall(r"laurel_[A-Za-z0-9_-]{43}", page.get_data(as_text=True))

    learner_password = "another long secret"
    created = client.post(
        "/api/v1/learners",
        headers=bearer(secret),
        json={
            "first_name": "A",
            "last_name": "B",
            "email": "ab@example.org",
            "password": learner_password,
        },
    )
    assert created.status_code == 201
    generated = client.post(
        "/api/v1/learners",
        headers=bearer(secret),
        json={"first_name": "C", "last_name": "D", "email": "cd@example.org"},
    ).json["generated_password"]

    text = formatted(caplog)
    assert len(request_lines(caplog)) == 4
    for label, value in {
        "password": TEST_PASSWORD,
        "session cookie": cookie,
        "API token": secret,
        "token hash": hashlib.sha256(secret.encode()).hexdigest(),
        "learner password": learner_password,
        "generated password": generated,
    }.items():
        assert value not in text, f"the {label} is in the log"
