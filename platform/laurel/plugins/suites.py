"""Suites as the core uses them: validated, immutable, looked up by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from laurel.plugins.schemas import SuiteSchema


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    options: tuple[str, ...]
    answer: int
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer": self.answer,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class LessonSection:
    heading: str
    body: str

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]


@dataclass(frozen=True)
class Unit:
    key: str
    title: str
    area: str
    kind: str  # "assessment" or "skill_building"
    order: int
    draw: int
    lesson: tuple[LessonSection, ...]
    questions: tuple[Question, ...]

    @property
    def is_assessment(self) -> bool:
        return self.kind == "assessment"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    order: int
    summary: str


@dataclass(frozen=True)
class Subscription:
    credits: int
    term_days: int
    auto_reassign: bool


@dataclass(frozen=True)
class Pricing:
    subscription: Subscription | None
    unit_credits: int
    reassign_credits: int


@dataclass(frozen=True)
class Rules:
    pass_mark: int
    pass_mark_min: int
    pass_mark_max: int
    required_areas: tuple[str, ...]
    failed_assessment_assigns_skill_building: bool


@dataclass(frozen=True)
class Suite:
    key: str
    title: str
    version: str
    vendor: str
    description: str
    areas: tuple[Area, ...]
    units: tuple[Unit, ...]  # in the suite's order
    pricing: Pricing
    rules: Rules
    plugin: str  # the entry-point name of the plugin that declared it
    declaration: dict[str, Any]  # the validated declaration, for hooks

    def unit(self, key: str) -> Unit | None:
        return next((unit for unit in self.units if unit.key == key), None)

    def area(self, key: str) -> Area | None:
        return next((area for area in self.areas if area.key == key), None)

    def units_of(self, area_key: str) -> list[Unit]:
        return [unit for unit in self.units if unit.area == area_key]

    def skill_building_unit(self, area_key: str) -> Unit | None:
        return next((u for u in self.units_of(area_key) if u.kind == "skill_building"), None)


def build_suite(declaration: dict[str, Any], plugin: str) -> Suite:
    """Validate a plugin's declaration and build the Suite.

    Raises marshmallow.ValidationError whose ``messages`` name the field.
    """
    data = SuiteSchema().load(declaration)
    areas = tuple(sorted((Area(**area) for area in data["areas"]), key=lambda a: a.order))
    units = tuple(sorted((build_unit(unit) for unit in data["units"]), key=lambda u: u.order))
    pricing = data["pricing"]
    subscription = pricing["subscription"]
    rules = data["rules"]
    return Suite(
        key=data["key"],
        title=data["title"],
        version=data["version"],
        vendor=data["vendor"],
        description=data["description"],
        areas=areas,
        units=units,
        pricing=Pricing(
            subscription=Subscription(**subscription) if subscription else None,
            unit_credits=pricing["unit_credits"],
            reassign_credits=pricing["reassign_credits"],
        ),
        rules=Rules(
            pass_mark=rules.get("pass_mark", 70),
            pass_mark_min=rules.get("pass_mark_min", 50),
            pass_mark_max=rules.get("pass_mark_max", 100),
            required_areas=tuple(rules.get("required_areas") or [a.key for a in areas]),
            failed_assessment_assigns_skill_building=rules.get(
                "failed_assessment_assigns_skill_building", True
            ),
        ),
        plugin=plugin,
        declaration=data,
    )


def build_unit(unit: dict[str, Any]) -> Unit:
    return Unit(
        key=unit["key"],
        title=unit["title"],
        area=unit["area"],
        kind=unit["kind"],
        order=unit["order"],
        draw=unit["draw"],
        lesson=tuple(LessonSection(**section) for section in unit["lesson"]),
        questions=tuple(
            Question(
                id=q["id"],
                prompt=q["prompt"],
                options=tuple(q["options"]),
                answer=q["answer"],
                explanation=q["explanation"],
            )
            for q in unit["questions"]
        ),
    )
