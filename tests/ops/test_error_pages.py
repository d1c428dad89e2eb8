"""Error pages: the request id and a plain message, HTML for pages, JSON for the API."""

from __future__ import annotations

from laurel.identity.models import Role


def test_not_found_page(client) -> None:
    response = client.get("/no-such-page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Not Found</h1>" in body
    assert f"Request id: <code>{response.headers['X-Request-ID']}</code>" in body


def test_method_not_allowed_keeps_allow(client) -> None:
    response = client.delete("/login")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_forbidden_page(client, login, make_org, make_user) -> None:
    login(make_user(make_org(), Role.INSTRUCTOR))
    response = client.get("/api-tokens")
    assert response.status_code == 403
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)


def test_csrf_failure_page(app, client) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/login", data={"email": "a@b.org", "password": "x"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The CSRF token is missing." in body
    assert response.headers["X-Request-ID"] in body


def test_api_paths_get_json_errors(client) -> None:
    for path, status in (("/api/v1/no-such-thing", 404), ("/api/v2/learners", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.mimetype == "application/json", path
        assert response.json["code"] == status
        assert response.json["request_id"] == response.headers["X-Request-ID"]
    wrong_method = client.delete("/api/v1/learners")
    assert wrong_method.status_code == 405
    assert wrong_method.json["status"] == "Method Not Allowed"
    assert "GET" in wrong_method.headers["Allow"]
