"""Request ids, the signed-in identity for log records, and one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, current_app, g, request
from flask_login import current_user, user_logged_in, user_logged_out
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept only when it is short and has no spaces, quotes
# or control characters, so it cannot break a log line or a header.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}$")
EXTENSION_KEY = "laurel.ops.token_paths"


def init_app(app: Flask) -> None:
    app.before_request(start_request)
    app.before_request(identify_session_user)
    app.after_request(finish_request)
    user_logged_in.connect(remember_login, app)
    user_logged_out.connect(forget_login, app)


def add_token_path(app: Flask, prefix: str) -> None:
    """Mark URLs under ``prefix`` as token-authenticated JSON endpoints.

    Errors there are JSON, and the session cookie is not read for logging.
    """
    app.extensions.setdefault(EXTENSION_KEY, []).append(prefix)


def is_token_path(path: str | None = None) -> bool:
    prefixes = current_app.extensions.get(EXTENSION_KEY, [])
    return (path or request.path).startswith(tuple(prefixes))


def incoming_request_id() -> str:
    """Return the proxy's X-Request-ID when well-formed, else a new id."""
    value = request.headers.get(REQUEST_ID_HEADER, "")
    if REQUEST_ID_PATTERN.match(value):
        return value
    return uuid.uuid4().hex


def start_request() -> None:
    g.request_id = incoming_request_id()
    g.request_started = time.perf_counter()


def set_log_identity(user_id: int | None, org_id: int | None) -> None:
    """Name the acting user and organisation in this request's log records."""
    g.log_user_id = user_id
    g.log_org_id = org_id


def identify_session_user() -> None:
    """Load the session's user, if any, so log records can name them.

    Skipped for static files, requests without a session cookie and token
    paths, which authenticate by token and set the identity themselves.
    """
    cookie_name = current_app.config["SESSION_COOKIE_NAME"]
    if request.endpoint == "static" or cookie_name not in request.cookies:
        return
    if is_token_path():
        return
    if current_user.is_authenticated:
        set_log_identity(current_user.id, current_user.org_id)


def remember_login(_app: Flask, user: object, **_extra: object) -> None:
    set_log_identity(getattr(user, "id", None), getattr(user, "org_id", None))


def forget_login(_app: Flask, **_extra: object) -> None:
    set_log_identity(None, None)


def finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or incoming_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    elapsed_ms = (time.perf_counter() - started) * 1000 if started else 0.0
    # The path only: query strings can hold search terms and other personal data.
    log.info(
        "%s %s %s %.1fms",
        request.method,
        printable(request.path),
        response.status_code,
        elapsed_ms,
    )
    return response


def printable(text: str) -> str:
    """Escape control characters (a decoded %0A, say) so a log line stays one line."""
    if text.isprintable():
        return text
    return text.encode("unicode_escape").decode("ascii")
