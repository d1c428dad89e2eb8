"""Schemas and fields shared by every API resource.

Request schemas reject unknown fields (``RAISE``), so a body cannot slip in
``org_id``, ``role`` or credits: the organisation always comes from the token.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)
from marshmallow.validate import Regexp
from sqlalchemy import Select, func, select

from laurel.api.auth import MAX_ROW_ID
from laurel.extensions import db

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
# Whitespace as Python's str.isspace() and str.strip() see it, which is
# what the services trim. Spelt out because JSON Schema patterns follow
# ECMAScript, whose \s differs from Python's (U+001C to U+001F, U+0085 and
# U+FEFF), so every client reads the patterns below the same way.
WHITESPACE = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000"
)
# Patterns are anchored at both ends, because marshmallow's Regexp matches
# at the start and JSON Schema searches anywhere. NUL is excluded from every
# string: PostgreSQL cannot store it in text.
NO_NUL = r"^[^\x00]*$"
NO_NUL_ERROR = "Must not contain NUL characters."
# At least one character that is not whitespace, and no NUL.
NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
NOT_BLANK_ERROR = "Must not be blank or contain NUL characters."


class Text(fields.String):
    """A string that the databases can store, matching ``pattern``.

    ``pattern`` appears in the OpenAPI document; it must exclude NUL. Lone
    surrogates, which JSON allows and UTF-8 cannot encode, are rejected too.
    """

    def __init__(
        self,
        *,
        pattern: str = NO_NUL,
        pattern_error: str = NO_NUL_ERROR,
        validate: Iterable[Callable[[Any], Any]] = (),
        **kwargs: Any,
    ) -> None:
        validators = [*validate, Regexp(pattern, error=pattern_error)]
        super().__init__(validate=validators, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode text.") from None
        return text


class UtcDateTime(fields.DateTime):
    """A stored naive UTC time, written with its +00:00 offset."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def RowId(*, strict: bool = False, **kwargs: Any) -> fields.Integer:  # noqa: N802
    """Return a field for a row id; ``strict`` (for JSON bodies) refuses "5" and 5.0."""
    return fields.Integer(
        strict=strict, validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs
    )


class JsonBoolean(fields.Boolean):
    """A boolean of a JSON body: only ``true`` and ``false``, not "yes" or 1."""

    truthy = {True}
    falsy = {False}

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE


class OneOfSchema(RequestSchema):
    """A request body that must give exactly one of the fields in ``ONE_OF``.

    Say, a list of learner ids or a filter that selects learners. The rule is
    checked here and written into the OpenAPI document as ``oneOf``, so
    clients and generated tests know it too (see ``LaurelMarshmallowPlugin``).
    """

    ONE_OF: tuple[str, ...] = ()

    @validates_schema
    def check_one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        present = [name for name in self.ONE_OF if name in data]
        if len(present) != 1:
            names = ", ".join(self.ONE_OF)
            found = f"got {', '.join(present)}" if present else "got none of them"
            raise ValidationError(
                f"Give exactly one of {names}; {found}.", field_name=self.ONE_OF[0]
            )


class LaurelMarshmallowPlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin, adding the ``oneOf`` rule of a OneOfSchema."""

    def schema_helper(
        self, name: str, _: Any, schema: Any = None, **kwargs: Any
    ) -> dict[str, Any] | None:
        json_schema = super().schema_helper(name, _, schema=schema, **kwargs)
        one_of = getattr(schema, "ONE_OF", ())
        if json_schema is not None and one_of:
            json_schema["oneOf"] = [{"required": [field]} for field in one_of]
        return json_schema


class PageArgs(RequestSchema):
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, from 1."},
    )
    per_page = fields.Integer(
        validate=validate.Range(min=1, max=MAX_PER_PAGE),
        metadata={
            "description": "Items per page; default: the LAUREL_PAGE_SIZE setting (50)."
        },
    )


class PageSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(
        required=True, metadata={"description": "Items on all pages."}
    )
    pages = fields.Integer(required=True)


def page_of(query: Select[Any], args: dict[str, Any]) -> dict[str, Any]:
    """Run one page of ``query``; return the items and the page numbers."""
    per_page = args.get("per_page") or current_app.config["LAUREL_PAGE_SIZE"]
    page = args.get("page", 1)
    total = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(
        query.limit(per_page).offset((page - 1) * per_page)
    ).all()
    return page_dict(list(items), page, per_page, total or 0)


def page_dict(items: list[Any], page: int, per_page: int, total: int) -> dict[str, Any]:
    pages = max(1, math.ceil(total / per_page))
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
    }


class ErrorSchema(Schema):
    """The body of every API error."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code."})
    status = fields.String(required=True, metadata={"description": "HTTP status name."})
    message = fields.String(
        required=True,
        metadata={"description": "What failed; for a bad field, starts with its name."},
    )
    errors = fields.Dict(
        metadata={
            "description": "Messages per request location and field, "
            'such as {"json": {"email": [...]}}.'
        }
    )
    request_id = fields.String(
        allow_none=True, metadata={"description": "The X-Request-ID of this request."}
    )
