"""Marshmallow schemas for job payloads; the job fails on the first invalid field."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

PAGE_SIZES = ("A4", "Letter")
CREDENTIAL_OUTPUTS = ("merged", "zip", "manifest")
MAX_CREDENTIALS = 5000
MAX_LOGIN_ROWS = 10000
MAX_AREAS = 30

_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHORT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_JOB_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class InvalidPayloadError(ValueError):
    """A job payload failed validation; the message names each invalid field."""


class PrintedText(fields.String):
    """A string printed on a page: NFC-normalised, without control characters."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any(unicodedata.category(char) == "Cc" for char in text):
            raise ValidationError(
                "Must not contain control characters such as tabs or line breaks."
            )
        if not text.strip():
            raise ValidationError("Must not be blank.")
        return unicodedata.normalize("NFC", text)


def _text(max_length: int) -> PrintedText:
    return PrintedText(required=True, validate=validate.Length(max=max_length))


def _output_key() -> fields.String:
    return fields.String(required=True, validate=[validate.Length(max=200), _check_key])


def _check_key(value: str) -> None:
    segments = value.split("/")
    if not all(_KEY_SEGMENT.match(segment) for segment in segments):
        raise ValidationError(
            "Must be a relative path of letters, digits, '.', '_' and '-' "
            "separated by '/', for example print-jobs/8b0c0c9e."
        )


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class LayoutSchema(StrictSchema):
    page_size = fields.String(required=True, validate=validate.OneOf(PAGE_SIZES))


class AreaSchema(StrictSchema):
    title = _text(80)
    score = fields.Float(
        required=True, allow_nan=False, validate=validate.Range(min=0, max=100)
    )


class CredentialSchema(StrictSchema):
    public_id = fields.String(required=True, validate=validate.Regexp(_PUBLIC_ID))
    short_code = fields.String(
        required=True,
        validate=validate.Regexp(
            _SHORT_CODE, error="Must be 3 to 40 letters, digits and '-'."
        ),
    )
    learner_name = _text(200)
    learner_email = fields.String(required=True, validate=validate.Length(max=320))
    organisation = _text(150)
    suite_title = _text(150)
    issued_on = fields.Date(required=True)
    areas = fields.List(
        fields.Nested(AreaSchema),
        required=True,
        validate=validate.Length(max=MAX_AREAS),
    )
    signer = _text(120)
    verification_url = fields.URL(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=200),
    )


def _check_unique(items: list[dict], key: str) -> None:
    seen: set[str] = set()
    for position, item in enumerate(items):
        value = item[key]
        if value in seen:
            raise ValidationError(
                {str(position): {key: [f"Duplicate value {value!r}."]}},
                field_name="credentials",
            )
        seen.add(value)


class CredentialsPayloadSchema(StrictSchema):
    job_id = fields.String(required=True, validate=validate.Regexp(_JOB_ID))
    output_key = _output_key()
    layout = fields.Nested(LayoutSchema, required=True)
    outputs = fields.List(
        fields.String(validate=validate.OneOf(CREDENTIAL_OUTPUTS)),
        required=True,
        validate=validate.Length(min=1),
    )
    credentials = fields.List(
        fields.Nested(CredentialSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_CREDENTIALS),
    )

    @validates_schema
    def check_unique_ids(self, data: dict, **kwargs: Any) -> None:
        if len(set(data["outputs"])) != len(data["outputs"]):
            raise ValidationError("Must not repeat an output.", field_name="outputs")
        _check_unique(data["credentials"], "public_id")
        _check_unique(data["credentials"], "short_code")


class LoginRowSchema(StrictSchema):
    name = _text(300)
    email = _text(320)
    password = PrintedText(required=True, validate=validate.Length(max=200))


class LoginSheetPayloadSchema(StrictSchema):
    job_id = fields.String(required=True, validate=validate.Regexp(_JOB_ID))
    output_key = _output_key()
    layout = fields.Nested(LayoutSchema, required=True)
    organisation = _text(200)
    login_url = fields.URL(required=True, schemes={"http", "https"}, require_tld=False)
    rows = fields.List(
        fields.Nested(LoginRowSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LOGIN_ROWS),
    )


def _flatten(messages: Any, path: str = "") -> list[str]:
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            child = f"{path}.{key}" if path else str(key)
            lines.extend(_flatten(value, child))
        return lines
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return [f"{path or 'payload'}: {' '.join(messages)}"]
    if isinstance(messages, list):
        return [line for item in messages for line in _flatten(item, path)]
    return [f"{path or 'payload'}: {messages}"]


def load_payload(schema: Schema, payload: Any) -> dict:
    """Validate payload with schema, raising InvalidPayloadError on any error."""
    if not isinstance(payload, dict):
        raise InvalidPayloadError(
            f"invalid payload: expected a JSON object, got {type(payload).__name__}"
        )
    try:
        return schema.load(payload)
    except ValidationError as error:
        details = "; ".join(_flatten(error.messages))
        raise InvalidPayloadError(f"invalid payload: {details}") from None
