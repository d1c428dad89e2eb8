"""The core's own hook implementations, registered like any plugin's."""

from __future__ import annotations

from typing import Any

from laurel.plugins import hookimpl


@hookimpl(trylast=True)
def laurel_score_attempt(
    suite: dict[str, Any],
    unit: dict[str, Any],
    questions: list[dict[str, Any]],
    answers: dict[str, int],
) -> dict[str, Any]:
    """Score each drawn question against its declared answer."""
    correct = sum(1 for q in questions if answers.get(q["id"]) == q["answer"])
    total = len(questions)
    score = round(100 * correct / total) if total else 0
    return {"score": score, "correct": correct, "total": total}
