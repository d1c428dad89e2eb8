"""Error pages: a short message and the request id, never a stack trace.

Token paths (the JSON API) get the same facts as JSON. The template is a
page of its own that reads neither the database nor the signed-in user, so
it still renders when the error came from the database.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, jsonify, render_template
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from laurel.extensions import db
from laurel.ops.request_context import is_token_path

log = logging.getLogger(__name__)

SERVER_ERROR_MESSAGE = (
    "Something went wrong on our side and the request was not completed. "
    "Try again in a moment; if it keeps failing, give the request id below "
    "to your administrator."
)
# Headers of the error itself (Allow, Retry-After, WWW-Authenticate) that the
# page keeps; its Content-Type is the page's own.
KEPT_HEADERS = {"allow", "retry-after", "www-authenticate"}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)


def error_message(error: HTTPException) -> str:
    """Return what the error page says; never the details of a server error."""
    if error.code is not None and error.code >= 500:
        return SERVER_ERROR_MESSAGE
    return error.description or error.name


def error_payload(error: HTTPException) -> dict[str, Any]:
    return {
        "code": error.code,
        "status": error.name,
        "message": error_message(error),
        "request_id": g.get("request_id"),
    }


def kept_headers(error: HTTPException) -> list[tuple[str, str]]:
    return [(k, v) for k, v in error.get_headers() if k.lower() in KEPT_HEADERS]


def handle_http_error(error: HTTPException) -> Response | tuple[Any, int, Any]:
    status = error.code or 500
    if status >= 500:
        discard_failed_transaction()
    if is_token_path():
        return jsonify(error_payload(error)), status, kept_headers(error)
    page = render_template("ops/error.html", **error_payload(error))
    return page, status, kept_headers(error)


def discard_failed_transaction() -> None:
    """Roll back so the failed request's transaction cannot leak into the next."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.exception("rollback after a server error failed")
