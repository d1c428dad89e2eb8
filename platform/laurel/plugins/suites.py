"""Suites as the core uses them: validated, immutable, looked up by key.

Stored results refer to content by two identifiers, so that a later release
of a suite never rewrites a past result:

- ``Suite.version`` is the version string of the declaration. A vendor
  changes it whenever any unit, question or rule changes. Attempts store it.
- ``Question.id`` is unique across the whole suite and stays attached to
  one question for good: a reworded question keeps its id, a new question
  gets a new id, and the id of a removed question is never reused.
  Attempts store the ids of the questions they drew.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from laurel.plugins.schemas import SuiteSchema


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; ``answer`` is the index of the correct option."""

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
    """One section of a lesson: plain text, paragraphs split by blank lines."""

    heading: str
    body: str

    @property
    def paragraphs(self) -> list[str]:
        return [part.strip() for part in self.body.split("\n\n") if part.strip()]


@dataclass(frozen=True)
class Unit:
    """One assignable unit: an assessment, or a lesson with its post-test.

    Each attempt draws ``draw`` questions from ``questions``.
    """

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
    """A skill area: the units that pass it and that the credential lists."""

    key: str
    title: str
    order: int
    summary: str


@dataclass(frozen=True)
class Subscription:
    """Every unit of the suite for one learner, for ``term_days`` days.

    Reassignments within a subscription are free; ``auto_reassign`` is the
    default of the subscription's option to reassign a failed unit on its own.
    """

    credits: int
    term_days: int
    auto_reassign: bool


@dataclass(frozen=True)
class Pricing:
    """Credits charged: a subscription if offered, else per unit and reassignment."""

    subscription: Subscription | None
    unit_credits: int
    reassign_credits: int


@dataclass(frozen=True)
class Rules:
    """When a unit, an area and the credential count as passed.

    A unit passes at ``pass_mark`` percent or more, unless the organisation
    set its own mark for the unit's area within ``pass_mark_min`` and
    ``pass_mark_max``. ``area_pass`` is "any" (one passed unit passes the
    area) or "all". The credential needs every area in ``required_areas``.
    """

    pass_mark: int
    pass_mark_min: int
    pass_mark_max: int
    required_areas: tuple[str, ...]
    failed_assessment_assigns_skill_building: bool
    area_pass: str = "any"

    def check_pass_mark(self, mark: int) -> None:
        """Raise ValueError unless ``mark`` is an allowed organisation mark."""
        if not self.pass_mark_min <= mark <= self.pass_mark_max:
            raise ValueError(
                f"pass mark {mark} is outside the allowed range "
                f"{self.pass_mark_min} to {self.pass_mark_max}"
            )

    def pass_mark_for(self, area_key: str, org_marks: Mapping[str, int]) -> int:
        """Return the organisation's mark for the area, or the suite's."""
        return org_marks.get(area_key, self.pass_mark)


@dataclass(frozen=True)
class Suite:
    """A validated suite declaration; see the module docstring for versions."""

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
        return next(
            (u for u in self.units_of(area_key) if u.kind == "skill_building"), None
        )

    def unit_declaration(self, key: str) -> dict[str, Any] | None:
        """Return the validated dict of one unit, as hooks receive it."""
        return next((u for u in self.declaration["units"] if u["key"] == key), None)

    def area_passed(self, area_key: str, passed_units: Collection[str]) -> bool:
        """Tell whether the area counts as passed, given the passed unit keys."""
        passed = [unit.key in passed_units for unit in self.units_of(area_key)]
        if not passed:
            return False
        return all(passed) if self.rules.area_pass == "all" else any(passed)

    def credential_earned(self, passed_units: Collection[str]) -> bool:
        """Tell whether every required area is passed."""
        return all(
            self.area_passed(area, passed_units) for area in self.rules.required_areas
        )


def build_suite(declaration: dict[str, Any], plugin: str) -> Suite:
    """Validate a plugin's declaration and build the Suite.

    Raises marshmallow.ValidationError whose ``messages`` name the field.
    """
    data = SuiteSchema().load(declaration)
    areas = tuple(sorted((Area(**a) for a in data["areas"]), key=lambda a: a.order))
    units = tuple(sorted((build_unit(u) for u in data["units"]), key=lambda u: u.order))
    pricing = data["pricing"]
    subscription = pricing["subscription"]
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
        rules=build_rules(data["rules"], areas),
        plugin=plugin,
        declaration=data,
    )


def build_rules(rules: dict[str, Any], areas: tuple[Area, ...]) -> Rules:
    return Rules(
        pass_mark=rules["pass_mark"],
        pass_mark_min=rules["pass_mark_min"],
        pass_mark_max=rules["pass_mark_max"],
        required_areas=tuple(rules["required_areas"] or [a.key for a in areas]),
        failed_assessment_assigns_skill_building=rules[
            "failed_assessment_assigns_skill_building"
        ],
        area_pass=rules["area_pass"],
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
