"""The API reference page: our own script renders the OpenAPI document under the CSP."""

from __future__ import annotations

import re

import pytest


def test_docs_page_serves_own_files(client) -> None:
    response = client.get("/api/v1/docs")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert "/static/api-docs.js" in sources
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources)
    assert 'data-spec-url="/api/v1/openapi.json"' in body


def test_openapi_document(client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"/api/v1/learners", "/api/v1/groups", "/api/v1/roster-imports"} <= set(
        spec["paths"]
    )
    create = spec["components"]["schemas"]["LearnerCreate"]
    assert create["additionalProperties"] is False
    assert "org_id" not in create["properties"]


@pytest.mark.browser
@pytest.mark.backends("sqlite")
def test_docs_page_renders_in_chromium(live_server, page) -> None:
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector(".api-operation")
    text = page.inner_text("#api-reference")
    assert "GET /api/v1/learners" in text.replace("\n", " ")
    assert "POST /api/v1/roster-imports" in text.replace("\n", " ")
    assert "LearnerCreate" in text
    assert page.locator("#schema-LearnerCreate").count() == 1
    assert violations == []
