"""Flask-Login's user loader and the checks every page uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from laurel.extensions import db
from laurel.identity.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def load_user(user_id: str) -> User | None:
    """Load the user named in the session cookie: ``"<id>:<session token>"``.

    A changed session token (after a password reset or deactivation) makes
    every older cookie load no one.
    """
    row_id, _, token = user_id.partition(":")
    if not row_id.isdigit():
        return None
    user = db.session.get(User, int(row_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only signed-in users with one of ``roles``; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


staff_required = roles_required(Role.ORG_ADMIN, Role.INSTRUCTOR)
org_admin_required = roles_required(Role.ORG_ADMIN)
platform_admin_required = roles_required(Role.PLATFORM_ADMIN)


def current_org_id() -> int:
    """Return the signed-in user's organisation id; 404 for platform admins."""
    if current_user.org_id is None:
        abort(404)
    return current_user.org_id


def get_in_org_or_404(model: type, row_id: int) -> Any:
    """Load ``model`` by id within the current organisation, else 404.

    The 404 is the same whether the row is missing or another
    organisation's, so ids reveal nothing across organisations.
    """
    obj = db.session.get(model, row_id)
    if obj is None or obj.org_id != current_org_id():
        abort(404)
    return obj
