"""Marshmallow schemas that validate what plugins declare."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$", error="must be lower snake case, such as work_ready")
UNIT_KINDS = ("assessment", "skill_building")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class AreaSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    order = fields.Integer(required=True)
    summary = fields.String(load_default="")


class QuestionSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    prompt = fields.String(required=True, validate=validate.Length(min=1))
    options = fields.List(fields.String(validate=validate.Length(min=1)), required=True)
    answer = fields.Integer(required=True)
    explanation = fields.String(required=True, validate=validate.Length(min=1))

    @validates_schema
    def check_answer(self, data: dict[str, Any], **_: Any) -> None:
        if len(data["options"]) < 2:
            raise ValidationError("needs at least two options", "options")
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


class SubscriptionSchema(StrictSchema):
    credits = fields.Integer(required=True, validate=validate.Range(min=0))
    term_days = fields.Integer(required=True, validate=validate.Range(min=1))
    auto_reassign = fields.Boolean(load_default=True)


class PricingSchema(StrictSchema):
    subscription = fields.Nested(SubscriptionSchema, allow_none=True, load_default=None)
    unit_credits = fields.Integer(required=True, validate=validate.Range(min=0))
    reassign_credits = fields.Integer(required=True, validate=validate.Range(min=0))


class RulesSchema(StrictSchema):
    pass_mark = fields.Integer(load_default=70, validate=validate.Range(min=0, max=100))
    # Bounds within which an organisation may set its own mark per area.
    pass_mark_min = fields.Integer(load_default=50, validate=validate.Range(min=0, max=100))
    pass_mark_max = fields.Integer(load_default=100, validate=validate.Range(min=0, max=100))
    # Areas the credential needs; None means every area.
    required_areas = fields.List(fields.String(), allow_none=True, load_default=None)
    # Under a subscription, a failed assessment assigns its area's
    # skill-building unit at once.
    failed_assessment_assigns_skill_building = fields.Boolean(load_default=True)


class SuiteSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    version = fields.String(required=True, validate=validate.Length(min=1, max=32))
    vendor = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="")
    areas = fields.List(fields.Nested(AreaSchema), required=True, validate=validate.Length(min=1))
    units = fields.List(fields.Nested(UnitSchema), required=True, validate=validate.Length(min=1))
    pricing = fields.Nested(PricingSchema, required=True)
    rules = fields.Nested(RulesSchema, load_default=dict)

    @validates_schema
    def check_references(self, data: dict[str, Any], **_: Any) -> None:
        area_keys = [area["key"] for area in data["areas"]]
        unit_keys = [unit["key"] for unit in data["units"]]
        for name, keys in (("areas", area_keys), ("units", unit_keys)):
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            if repeated:
                raise ValidationError(f"repeated keys: {', '.join(repeated)}", name)
        question_ids = [q["id"] for unit in data["units"] for q in unit["questions"]]
        repeated_ids = sorted({qid for qid in question_ids if question_ids.count(qid) > 1})
        if repeated_ids:
            raise ValidationError(f"repeated question ids: {', '.join(repeated_ids[:10])}", "units")
        unknown = sorted({unit["area"] for unit in data["units"]} - set(area_keys))
        if unknown:
            raise ValidationError(f"units name unknown areas: {', '.join(unknown)}", "units")
        required = data.get("rules", {}).get("required_areas") or []
        missing = sorted(set(required) - set(area_keys))
        if missing:
            raise ValidationError(f"required_areas names unknown areas: {', '.join(missing)}", "rules")
