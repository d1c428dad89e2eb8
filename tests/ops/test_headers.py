"""Security headers on pages, errors and downloads; HTTPS-only headers and cookies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from laurel.extensions import db
from laurel.identity.models import Role
from laurel.ops.headers import CONTENT_SECURITY_POLICY
from tests.conftest import TEST_PASSWORD


def assert_security_headers(response) -> None:  # noqa: ANN001 - TestResponse
    policy = response.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_page_headers(client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers


def test_not_found_headers(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_download_headers(client) -> None:
    for path in ("/static/laurel.css", "/static/api-docs.js", "/api/v1/openapi.json"):
        with client.get(path) as response:
            assert response.status_code == 200, path
            assert_security_headers(response)


@pytest.mark.backends("sqlite")
def test_server_error_headers_and_page(
    app, client, login, make_org, make_user, caplog
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(make_user(make_org(), Role.INSTRUCTOR))
    # A real failure: the groups page queries a table that is gone.
    db.session.execute(text("ALTER TABLE groups RENAME TO groups_gone"))
    db.session.commit()
    response = client.get("/groups")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert_security_headers(response)
    request_id = response.headers["X-Request-ID"]
    assert request_id in body
    assert "Traceback" not in body
    assert "groups_gone" not in body and "no such table" not in body
    assert "OperationalError" not in body
    logged = [r for r in caplog.records if r.exc_info and r.request_id == request_id]
    assert len(logged) == 1, "the exception is logged once, with the request id"


def test_https_adds_hsts_and_secure_cookie(client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    page = client.get("/login", base_url="https://localhost")
    assert (
        page.headers["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains"
    )
    response = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_plain_http_cookie_not_secure(client, make_org, make_user) -> None:
    user = make_user(make_org(), Role.INSTRUCTOR)
    response = client.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "Secure" not in response.headers["Set-Cookie"]


def test_forwarded_proto_ignored_by_default(client) -> None:
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def proxied_app_config(app_config):  # noqa: ANN001, ANN201
    app_config["PROXY_FIX"] = 1
    return app_config


def test_forwarded_proto_trusted_with_proxy_fix(proxied_app_config, client) -> None:
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    assert client.application.config["LAUREL_PROXY_FIX"] == 1


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.IGNORECASE)


def test_pages_have_no_inline_code(client, login, make_org, make_user) -> None:
    """Pages the CSP would break if they carried inline scripts or styles."""
    org = make_org()
    pages = {"/login": client.get("/login"), "/api/v1/docs": client.get("/api/v1/docs")}
    login(make_user(org, Role.ORG_ADMIN))
    for path in (
        "/learners",
        "/learners/new",
        "/groups",
        "/api-tokens",
        "/api/v1/docs",
    ):
        pages[path] = client.get(path)
    for path, response in pages.items():
        body = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert not INLINE_SCRIPT.search(body), path
        assert not INLINE_HANDLER.search(body), path
        assert not INLINE_STYLE.search(body), path
