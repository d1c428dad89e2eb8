"""Building the line dicts that the core passes to the billing hooks."""

from __future__ import annotations

from typing import Any

from laurel.identity.models import User

SUITE = "workplace_readiness"


def line(
    learner: User,
    kind: str = "unit",
    credits: int = 1,
    unit: str | None = "communication",
    suite: str = SUITE,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "suite": suite,
        "unit": None if kind == "subscription" else unit,
        "learner_id": learner.id,
        "credits": credits,
    }
