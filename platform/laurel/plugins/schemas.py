"""Marshmallow schemas that validate what plugins declare."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

KEY = validate.Regexp(
    r"^[a-z][a-z0-9_]{0,63}$", error="must be lower snake case, such as work_ready"
)
# Question ids end up in stored attempts and in form field names.
QUESTION_ID = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
    error="must be 1 to 64 letters, digits, '.', '_' or '-', such as safety-a01",
)
VERSION = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,31}$",
    error="must be 1 to 32 characters with no spaces, such as 1.2.0",
)
UNIT_KINDS = ("assessment", "skill_building")
AREA_PASS_RULES = ("any", "all")
PERCENT = validate.Range(min=0, max=100)


def repeated(values: Iterable[Any]) -> list[Any]:
    """Return the values that occur more than once, sorted."""
    return sorted(value for value, count in Counter(values).items() if count > 1)


def flatten_messages(messages: Any, path: str = "") -> list[str]:
    """Turn marshmallow's nested error messages into "field.path: message" lines.

    ``{"units": {0: {"draw": ["too big"]}}}`` becomes ``["units[0].draw: too
    big"]``; errors of a whole schema (key ``_schema``) keep the parent path.
    """
    if isinstance(messages, Mapping):
        lines = []
        for key, value in messages.items():
            lines.extend(flatten_messages(value, join_path(path, key)))
        return lines
    if isinstance(messages, list | tuple):
        lines = []
        for value in messages:
            lines.extend(flatten_messages(value, path))
        return lines
    return [f"{path}: {messages}" if path else str(messages)]


def join_path(path: str, key: Any) -> str:
    if key == "_schema":
        return path
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class AreaSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    order = fields.Integer(required=True)
    summary = fields.String(load_default="")


class QuestionSchema(StrictSchema):
    id = fields.String(required=True, validate=QUESTION_ID)
    prompt = fields.String(required=True, validate=validate.Length(min=1))
    options = fields.List(fields.String(validate=validate.Length(min=1)), required=True)
    answer = fields.Integer(required=True)
    explanation = fields.String(required=True, validate=validate.Length(min=1))

    @validates_schema
    def check_answer(self, data: dict[str, Any], **_: Any) -> None:
        if len(data["options"]) < 2:
            raise ValidationError("needs at least two options", "options")
        if len(set(data["options"])) != len(data["options"]):
            raise ValidationError("repeats an option", "options")
        if not 0 <= data["answer"] < len(data["options"]):
            raise ValidationError(
                f"{data['answer']} is not the index of one of the "
                f"{len(data['options'])} options (counting from 0)",
                "answer",
            )


class LessonSectionSchema(StrictSchema):
    heading = fields.String(required=True, validate=validate.Length(min=1))
    body = fields.String(required=True, validate=validate.Length(min=1))


class UnitSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    area = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    order = fields.Integer(required=True)
    draw = fields.Integer(required=True, validate=validate.Range(min=1))
    lesson = fields.List(fields.Nested(LessonSectionSchema), load_default=list)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)

    @validates_schema
    def check_pool(self, data: dict[str, Any], **_: Any) -> None:
        if data["draw"] > len(data["questions"]):
            raise ValidationError(
                f"draws {data['draw']} questions from a pool of "
                f"{len(data['questions'])}",
                "draw",
            )
        if data["kind"] == "skill_building" and not data["lesson"]:
            raise ValidationError(
                "a skill_building unit needs at least one section", "lesson"
            )


class SubscriptionSchema(StrictSchema):
    credits = fields.Integer(required=True, validate=validate.Range(min=0))
    term_days = fields.Integer(required=True, validate=validate.Range(min=1))
    auto_reassign = fields.Boolean(load_default=True)


class PricingSchema(StrictSchema):
    subscription = fields.Nested(SubscriptionSchema, allow_none=True, load_default=None)
    unit_credits = fields.Integer(required=True, validate=validate.Range(min=0))
    reassign_credits = fields.Integer(required=True, validate=validate.Range(min=0))


class RulesSchema(StrictSchema):
    pass_mark = fields.Integer(load_default=70, validate=PERCENT)
    # Bounds within which an organisation may set its own mark per area.
    pass_mark_min = fields.Integer(load_default=50, validate=PERCENT)
    pass_mark_max = fields.Integer(load_default=100, validate=PERCENT)
    # Areas the credential needs; None means every area.
    required_areas = fields.List(fields.String(), allow_none=True, load_default=None)
    # "any": an area is passed when any one of its units is passed.
    # "all": only when every unit of the area is passed.
    area_pass = fields.String(
        load_default="any", validate=validate.OneOf(AREA_PASS_RULES)
    )
    # Under a subscription, a failed assessment assigns its area's
    # skill-building unit at once.
    failed_assessment_assigns_skill_building = fields.Boolean(load_default=True)

    @validates_schema
    def check_bounds(self, data: dict[str, Any], **_: Any) -> None:
        low, mark, high = (
            data["pass_mark_min"],
            data["pass_mark"],
            data["pass_mark_max"],
        )
        if not low <= mark <= high:
            raise ValidationError(
                f"{mark} is outside pass_mark_min..pass_mark_max ({low}..{high})",
                "pass_mark",
            )


def default_rules() -> dict[str, Any]:
    return RulesSchema().load({})


class SuiteSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version = fields.String(required=True, validate=VERSION)
    vendor = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    areas = fields.List(
        fields.Nested(AreaSchema), required=True, validate=validate.Length(min=1)
    )
    units = fields.List(
        fields.Nested(UnitSchema), required=True, validate=validate.Length(min=1)
    )
    pricing = fields.Nested(PricingSchema, required=True)
    rules = fields.Nested(RulesSchema, load_default=default_rules)

    @validates_schema
    def check_references(self, data: dict[str, Any], **_: Any) -> None:
        check_unique(data["areas"], "areas")
        check_unique(data["units"], "units")
        question_ids = [q["id"] for unit in data["units"] for q in unit["questions"]]
        repeated_ids = repeated(question_ids)
        if repeated_ids:
            raise ValidationError(
                f"repeated question ids: {', '.join(repeated_ids[:10])}", "units"
            )
        area_keys = {area["key"] for area in data["areas"]}
        unknown = sorted({unit["area"] for unit in data["units"]} - area_keys)
        if unknown:
            raise ValidationError(
                f"units name unknown areas: {', '.join(unknown)}", "units"
            )
        required = data.get("rules", {}).get("required_areas") or []
        missing = sorted(set(required) - area_keys)
        if missing:
            raise ValidationError(
                f"required_areas names unknown areas: {', '.join(missing)}", "rules"
            )


def check_unique(items: list[dict[str, Any]], name: str) -> None:
    """Reject repeated keys or orders among a suite's areas or units."""
    for attribute in ("key", "order"):
        values = repeated(item[attribute] for item in items)
        if values:
            listed = ", ".join(str(value) for value in values)
            raise ValidationError(f"repeated {attribute}s: {listed}", name)
