"""The hook implementations of the example suite.

A suite plugin needs one hook, ``laurel_suites``, returning plain data that
Laurel validates when it loads the plugin. Change ``SUITE["version"]``
whenever a question, unit or rule changes, because attempts store it.
"""

from __future__ import annotations

from typing import Any

from laurel.plugins import hookimpl


def question(
    question_id: str, prompt: str, options: list[str], answer: int, explanation: str
) -> dict[str, Any]:
    return {
        "id": question_id,
        "prompt": prompt,
        "options": options,
        "answer": answer,
        "explanation": explanation,
    }


HYGIENE_QUESTIONS = [
    question(
        "hygiene-01",
        "Priya starts her shift at a café kitchen. What does she do before "
        "touching any food?",
        [
            "Wash her hands with soap and warm water",
            "Put on gloves over unwashed hands",
            "Wipe her hands on her apron",
            "Use hand cream",
        ],
        0,
        "Washing removes the germs that gloves would only trap against the food.",
    ),
    question(
        "hygiene-02",
        "Tom has had a stomach upset since last night. His manager is short of "
        "staff. What should Tom do?",
        [
            "Work but avoid the till",
            "Tell the manager and stay away from food handling",
            "Work and wash his hands more often",
            "Say nothing and take a break if he feels worse",
        ],
        1,
        "Staff with stomach illness can spread it through food; the manager "
        "needs to know so the shift can be covered safely.",
    ),
    question(
        "hygiene-03",
        "Ana cuts her finger while slicing bread. After cleaning it, what "
        "should she cover it with?",
        [
            "Nothing, if it has stopped bleeding",
            "A paper towel",
            "A brightly coloured waterproof plaster",
            "A skin-coloured fabric plaster",
        ],
        2,
        "A coloured waterproof plaster keeps the cut sealed and is easy to spot "
        "if it falls into food.",
    ),
]

STORAGE_QUESTIONS = [
    question(
        "storage-01",
        "Sam unpacks a delivery. Where does he put the raw chicken in the fridge?",
        [
            "On the top shelf",
            "Next to the salad",
            "On the bottom shelf, covered",
            "Wherever there is room",
        ],
        2,
        "Raw meat goes below ready-to-eat food so its juices cannot drip onto it.",
    ),
    question(
        "storage-02",
        "Lena checks the fridge thermometer at opening. Which reading means the "
        "fridge is working properly?",
        ["3 °C", "9 °C", "12 °C", "15 °C"],
        0,
        "Chilled food should be kept at 5 °C or below; 3 °C is within range.",
    ),
    question(
        "storage-03",
        "Omar finds a tub of soup with no date label at the back of the fridge. "
        "What should he do?",
        [
            "Smell it and use it if it seems fine",
            "Label it with today's date",
            "Throw it away and tell the supervisor",
            "Move it to the freezer",
        ],
        2,
        "Without a date nobody knows how old it is, and smell does not show "
        "whether food is safe.",
    ),
]

SUITE: dict[str, Any] = {
    "key": "food_safety_basics",
    "title": "Food Safety Basics",
    "version": "1.0.0",
    "vendor": "Example Training Co.",
    "description": "Hygiene and cold storage for new kitchen staff.",
    "areas": [
        {"key": "hygiene", "title": "Personal hygiene", "order": 1},
        {"key": "storage", "title": "Cold storage", "order": 2},
    ],
    "units": [
        {
            "key": "hygiene_check",
            "title": "Personal hygiene check",
            "area": "hygiene",
            "kind": "assessment",
            "order": 1,
            "draw": 2,
            "questions": HYGIENE_QUESTIONS,
        },
        {
            "key": "storage_lesson",
            "title": "Storing food cold",
            "area": "storage",
            "kind": "skill_building",
            "order": 2,
            "draw": 2,
            "lesson": [
                {
                    "heading": "Keep it cold",
                    "body": "Chilled food stays at 5 °C or below.\n\n"
                    "Check and write down the fridge temperature at opening "
                    "and closing.",
                },
                {
                    "heading": "Keep it apart",
                    "body": "Raw meat goes on the bottom shelf, covered, below "
                    "anything ready to eat.",
                },
            ],
            "questions": STORAGE_QUESTIONS,
        },
    ],
    # No subscription: each unit is bought on its own.
    "pricing": {"subscription": None, "unit_credits": 2, "reassign_credits": 1},
    "rules": {"pass_mark": 60, "pass_mark_min": 50, "pass_mark_max": 90},
}


@hookimpl
def laurel_suites() -> list[dict[str, Any]]:
    return [SUITE]
