"""Fixtures for the JSON API: tokens and an authenticated client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from laurel.api.services import create_token
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def make_token(app: Flask, make_user: Callable[..., User]) -> Callable[..., str]:
    """Create a token for ``org`` by a new org admin; return its secret."""

    def make(org: Organisation, role: Role = Role.INSTRUCTOR) -> str:
        admin = make_user(org, Role.ORG_ADMIN)
        new = create_token(org.id, f"{role.value} token", role, admin.id)
        db.session.commit()
        return new.secret

    return make


class ApiClient:
    """The test client with a bearer token on every request."""

    def __init__(self, client, secret: str) -> None:  # noqa: ANN001 - FlaskClient
        self.client = client
        self.headers = bearer(secret)

    def open(self, method: str, url: str, **kwargs):  # noqa: ANN201 - TestResponse
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):  # noqa: ANN201
        return self.open("GET", url, **kwargs)

    def post(self, url: str, **kwargs):  # noqa: ANN201
        return self.open("POST", url, **kwargs)

    def patch(self, url: str, **kwargs):  # noqa: ANN201
        return self.open("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs):  # noqa: ANN201
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def api_client(client, make_token) -> Callable[..., ApiClient]:  # noqa: ANN001
    def make(org: Organisation, role: Role = Role.INSTRUCTOR) -> ApiClient:
        return ApiClient(client, make_token(org, role))

    return make
