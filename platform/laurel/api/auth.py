"""Bearer-token authentication for the JSON API; session cookies count for nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import abort

from laurel.api.models import ApiToken
from laurel.api.services import token_for_secret
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.ops import set_log_identity

F = TypeVar("F", bound=Callable[..., Any])

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="laurel"'}
# Ids in paths and bodies fit the databases' 32-bit integer columns.
MAX_ROW_ID = 2**31 - 1


def authenticate() -> None:
    """Load the request's token into ``g.api_token``, or abort with 401.

    Runs before every API view. The header is ``Authorization: Bearer <token>``.
    """
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(
            401,
            message="Authorization header missing; send "
            "'Authorization: Bearer <token>'.",
            headers=CHALLENGE,
        )
    token = token_for_secret(secret.strip())
    if token is None:
        abort(401, message="The API token is invalid or revoked.", headers=CHALLENGE)
    g.api_token = token
    set_log_identity(token.created_by_id, token.org_id)


def current_token() -> ApiToken:
    return g.api_token


def api_org_id() -> int:
    return current_token().org_id


def api_actor_id() -> int:
    """Return the user audit events name: the admin who created the token."""
    return current_token().created_by_id


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only tokens whose role is one of ``roles``; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_token().role not in roles:
                names = " or ".join(role.value for role in roles)
                abort(403, message=f"This operation needs a token with role {names}.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def get_in_org_or_404(model: type, row_id: int, label: str) -> Any:
    """Load ``model`` by id in the token's organisation, else 404.

    Another organisation's row and a missing one get the same response.
    """
    obj = db.session.get(model, row_id) if 0 < row_id <= MAX_ROW_ID else None
    if obj is None or obj.org_id != api_org_id():
        abort(404, message=f"{label} {row_id} was not found in this organisation.")
    return obj
