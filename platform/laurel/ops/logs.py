"""Log records that carry the request id, user id and organisation id.

``RequestContextFilter`` adds ``request_id``, ``user_id`` and ``org_id``
attributes to each record it sees ("-" outside a request, or when nobody is
signed in), so ``LOG_FORMAT`` can print them. ``configure_logging`` installs
one handler with that filter, unless logging is already configured with it
(deploy/gunicorn.conf.py does so for gunicorn).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from flask import Flask, g, has_request_context
from flask.logging import default_handler

LOG_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s "
    "[request=%(request_id)s user=%(user_id)s org=%(org_id)s] %(message)s"
)
UNKNOWN = "-"


class RequestContextFilter(logging.Filter):
    """Add the current request's id, user id and organisation id to records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", UNKNOWN)
            record.user_id = g.get("log_user_id") or UNKNOWN
            record.org_id = g.get("log_org_id") or UNKNOWN
        else:
            record.request_id = record.user_id = record.org_id = UNKNOWN
        return True


class StderrHandler(logging.StreamHandler):
    """A handler that writes to ``sys.stderr`` as it is when each record comes.

    Test runners and servers swap ``sys.stderr``; a handler bound to the
    stream of the moment it was made would write to a closed file later.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stderr


def has_context_filter(handler: logging.Handler) -> bool:
    return any(isinstance(item, RequestContextFilter) for item in handler.filters)


def configure_logging(app: Flask) -> None:
    """Set the ``laurel`` loggers' level and route them through the filter.

    With no handler configured anywhere, the new handler goes on the root
    logger, so other libraries' records carry the ids too. When the root
    logger has handlers of its own (a test runner's, say), it goes on the
    ``laurel`` logger; records then reach the root handlers with the ids
    already set. Calling this again for another app changes only the level.
    """
    laurel_logger = logging.getLogger("laurel")
    laurel_logger.setLevel(str(app.config["LAUREL_LOG_LEVEL"]).upper())
    # Flask's own handler would print each record a second time.
    laurel_logger.removeHandler(default_handler)
    root = logging.getLogger()
    if any(map(has_context_filter, [*root.handlers, *laurel_logger.handlers])):
        return
    handler = StderrHandler()
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    (laurel_logger if root.handlers else root).addHandler(handler)
