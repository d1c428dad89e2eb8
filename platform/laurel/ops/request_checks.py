"""Checks on request input that no view should have to repeat.

PostgreSQL rejects two kinds of value that SQLite stores without complaint:
an integer id beyond 32 bits and a NUL character in a text value. Without
these checks the same bad URL gives a page on SQLite and a server error on
PostgreSQL.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# Largest value of PostgreSQL's ``integer``, the type of every row id.
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """The ``int`` URL converter, limited to ids a database row can have.

    A larger number matches no route, so it gets the same 404 as a missing row.
    """

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002, ANN001, ANN002, ANN003
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the converter (before any route exists) and the NUL check."""
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(reject_nul_characters)


def reject_nul_characters() -> None:
    """Abort with 400 when a query or form value contains a NUL character."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if "\x00" in value or "\x00" in name:
                abort(
                    400,
                    description=f"The value of {name.replace(chr(0), '')!r} contains "
                    "a NUL character (%00); remove it and try again.",
                )
