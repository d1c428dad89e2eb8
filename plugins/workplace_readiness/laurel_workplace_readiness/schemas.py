"""Marshmallow schemas for the content files, with the suite's figures.

The core validates the suite declaration again when the plugin loads. These
schemas add the rules of this suite: exactly four options per question,
question ids tied to their area and unit, pool sizes, draws and lesson
lengths.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

AREA_COUNT = 10
OPTION_COUNT = 4
ASSESSMENT_DRAW = 10
ASSESSMENT_POOL_MIN = 15
POST_TEST_DRAW = 8
POST_TEST_POOL_MIN = 12
SECTIONS_MIN, SECTIONS_MAX = 3, 5
LESSON_WORDS_MIN, LESSON_WORDS_MAX = 500, 900

KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,40}$", error="must be lower snake case")
TEXT = validate.Length(min=1)
# Lesson bodies are plain text: the learner page escapes them and splits
# paragraphs on blank lines, so markup would show as literal characters.
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|^\s*(#|[*-]\s|\d+\.\s)|\*\*|`", re.M)


def word_count(text: str) -> int:
    return len(text.split())


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class QuestionSchema(StrictSchema):
    id = fields.String(required=True, validate=TEXT)
    prompt = fields.String(required=True, validate=TEXT)
    options = fields.List(
        fields.String(validate=TEXT),
        required=True,
        validate=validate.Length(
            equal=OPTION_COUNT, error=f"needs exactly {OPTION_COUNT} options"
        ),
    )
    answer = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=0,
            max=OPTION_COUNT - 1,
            error=f"must be the zero-based index of the correct option, 0 to "
            f"{OPTION_COUNT - 1}",
        ),
    )
    explanation = fields.String(required=True, validate=TEXT)

    @validates_schema
    def check_options(self, data: dict[str, Any], **_: Any) -> None:
        options = [option.strip().casefold() for option in data["options"]]
        if len(set(options)) != len(options):
            raise ValidationError("two options have the same text", "options")


class SectionSchema(StrictSchema):
    heading = fields.String(required=True, validate=TEXT)
    body = fields.String(required=True, validate=TEXT)

    @validates_schema
    def check_plain_text(self, data: dict[str, Any], **_: Any) -> None:
        found = MARKUP.search(data["body"])
        if found:
            raise ValidationError(
                f"contains markup {found.group(0).strip()!r}; write plain text "
                "with paragraphs separated by blank lines",
                "body",
            )


class UnitContentSchema(StrictSchema):
    title = fields.String(required=True, validate=TEXT)
    draw = fields.Integer(required=True, strict=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)

    # Set by subclasses: the draw, the smallest pool and the id marker.
    expected_draw = 0
    pool_min = 0
    id_marker = ""

    @validates_schema
    def check_figures(self, data: dict[str, Any], **_: Any) -> None:
        if data["draw"] != self.expected_draw:
            raise ValidationError(f"must be {self.expected_draw}", "draw")
        if len(data["questions"]) < self.pool_min:
            raise ValidationError(
                f"has {len(data['questions'])} questions; the pool needs at "
                f"least {self.pool_min}",
                "questions",
            )


class AssessmentSchema(UnitContentSchema):
    expected_draw = ASSESSMENT_DRAW
    pool_min = ASSESSMENT_POOL_MIN
    id_marker = "a"


class SkillBuildingSchema(UnitContentSchema):
    sections = fields.List(
        fields.Nested(SectionSchema),
        required=True,
        validate=validate.Length(
            min=SECTIONS_MIN,
            max=SECTIONS_MAX,
            error=f"needs {SECTIONS_MIN} to {SECTIONS_MAX} sections",
        ),
    )

    expected_draw = POST_TEST_DRAW
    pool_min = POST_TEST_POOL_MIN
    id_marker = "s"

    @validates_schema
    def check_length(self, data: dict[str, Any], **_: Any) -> None:
        words = sum(word_count(section["body"]) for section in data["sections"])
        if not LESSON_WORDS_MIN <= words <= LESSON_WORDS_MAX:
            raise ValidationError(
                f"the lesson has {words} words; it needs {LESSON_WORDS_MIN} to "
                f"{LESSON_WORDS_MAX}",
                "sections",
            )


class AreaFileSchema(StrictSchema):
    key = fields.String(required=True, validate=KEY)
    title = fields.String(required=True, validate=TEXT)
    order = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=AREA_COUNT)
    )
    summary = fields.String(required=True, validate=TEXT)
    assessment = fields.Nested(AssessmentSchema, required=True)
    skill_building = fields.Nested(SkillBuildingSchema, required=True)

    @validates_schema
    def check_question_ids(self, data: dict[str, Any], **_: Any) -> None:
        """Require ids such as ``teamwork-a01`` (assessment) and ``teamwork-s01``."""
        for part, schema in (
            ("assessment", AssessmentSchema),
            ("skill_building", SkillBuildingSchema),
        ):
            marker = schema.id_marker
            pattern = re.compile(rf"^{re.escape(data['key'])}-{marker}\d{{2}}$")
            for index, question in enumerate(data[part]["questions"]):
                if not pattern.match(question["id"]):
                    message = (
                        f"{question['id']!r} does not have the form "
                        f"{data['key']}-{marker}01"
                    )
                    path = {part: {"questions": {index: {"id": [message]}}}}
                    raise ValidationError(path)
