"""The Workplace Readiness answer key, read from the suite's content files.

The attempt page names each radio input ``answer-<question id>`` and gives
it the option's index as its value, so the test looks the correct index up
here and chooses a right or a wrong option on purpose.
"""

from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONTENT = (
    Path(__file__).resolve().parents[2]
    / "plugins/workplace_readiness/laurel_workplace_readiness/content"
)
UNIT_KINDS = ("assessment", "skill_building")


@dataclass(frozen=True)
class Area:
    """One skill area and the titles of its two units, as the pages show them."""

    key: str
    title: str
    assessment: str
    skill_building: str


@dataclass(frozen=True)
class Question:
    answer: int
    options: int


@dataclass
class AnswerKey:
    areas: list[Area]
    questions: dict[str, Question]

    def choose(self, question_id: str, right: bool, rng: random.Random) -> int:
        """Return the index of the correct option, or of a random wrong one."""
        question = self.questions[question_id]
        if right:
            return question.answer
        wrong = [index for index in range(question.options) if index != question.answer]
        return rng.choice(wrong)


def load_answer_key(folder: Path = CONTENT) -> AnswerKey:
    areas: list[tuple[int, Area]] = []
    questions: dict[str, Question] = {}
    for path in sorted(folder.glob("*.toml")):
        content = tomllib.loads(path.read_text(encoding="utf-8"))
        area = Area(
            key=content["key"],
            title=content["title"],
            assessment=content["assessment"]["title"],
            skill_building=content["skill_building"]["title"],
        )
        areas.append((content["order"], area))
        for kind in UNIT_KINDS:
            for question in content[kind]["questions"]:
                questions[question["id"]] = Question(
                    answer=question["answer"], options=len(question["options"])
                )
    in_order = [area for _order, area in sorted(areas, key=lambda pair: pair[0])]
    return AnswerKey(in_order, questions)
