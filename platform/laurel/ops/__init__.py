"""Running in production: request ids and logs, security headers, error pages, health.

``init_app`` runs right after the settings are read, so every later step's
log records and every response, errors included, get this treatment.
"""

from __future__ import annotations

from flask import Flask

from laurel.ops.request_context import add_token_path, set_log_identity

__all__ = ["add_token_path", "init_app", "set_log_identity"]


def init_app(app: Flask) -> None:
    from laurel.ops import errors, headers, logs, request_checks, request_context
    from laurel.ops.views import bp

    logs.configure_logging(app)
    # The request id first, so a request that the checks refuse has one too.
    request_context.init_app(app)
    request_checks.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    app.register_blueprint(bp)
