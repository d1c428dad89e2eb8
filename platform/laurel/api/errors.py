"""JSON errors for the API's views, with messages that name the bad field."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import jsonify
from flask_smorest import abort
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from laurel.ops.errors import discard_failed_transaction, error_payload, kept_headers

# Prefix, per webargs location, of the place a message names.
LOCATION_LABELS = {
    "json": "",
    "query": "query parameter ",
    "files": "",
    "form": "form field ",
    "path": "path parameter ",
}


def handle_api_error(
    error: HTTPException,
) -> tuple[Response, int, list[tuple[str, str]]]:
    """Return an API view's error as JSON, webargs' validation errors included."""
    status = error.code or 500
    if status >= 500:
        discard_failed_transaction()
    payload = error_payload(error)
    data: dict[str, Any] = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    if messages:
        payload["errors"] = messages
        payload["message"] = describe(messages)
    if "message" in data:
        payload["message"] = data["message"]
    headers = kept_headers(error) + list((data.get("headers") or {}).items())
    return jsonify(payload), status, headers


def describe(messages: dict[str, Any]) -> str:
    """Turn ``{"json": {"email": ["Not valid."]}}`` into ``"email: Not valid."``."""
    parts = []
    for location, errors in messages.items():
        label = LOCATION_LABELS.get(location, f"{location} ")
        for path, text in flatten(errors):
            where = f"{label}{path}".strip() or (
                "request body" if location == "json" else location
            )
            parts.append(f"{where}: {text}")
    return "; ".join(parts) or "The request is invalid."


def flatten(errors: Any, path: str = "") -> list[tuple[str, str]]:
    """List (dotted field path, message) pairs; "_schema" is the object itself."""
    if isinstance(errors, dict):
        pairs = []
        for key, value in errors.items():
            name = "" if key == "_schema" else str(key)
            pairs.extend(
                flatten(value, f"{path}.{name}" if path and name else path or name)
            )
        return pairs
    if isinstance(errors, list | tuple):
        if all(isinstance(item, str) for item in errors):
            return [(path, " ".join(errors))]
        return [pair for item in errors for pair in flatten(item, path)]
    return [(path, str(errors))]


def reject(status: int, field: str, message: str, location: str = "json") -> NoReturn:
    """Abort with ``status`` and a message that starts with the field's name."""
    errors = {location: {field: [message]}}
    abort(status, message=f"{field}: {message}", errors=errors)
