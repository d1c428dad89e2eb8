"""Cells of the progress matrix: the state of one unit, or of a whole area.

The matrix writes each state as words and figures, never as colour alone,
and ``LEGEND`` explains the short forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from laurel.assignments.models import UnitStatus
from laurel.plugins.suites import Suite

NOT_ASSIGNED = "not_assigned"

# State -> (short text in a matrix cell, meaning in the legend).
LEGEND = {
    NOT_ASSIGNED: ("—", "not assigned"),
    "not_started": ("not started", "assigned, no attempt yet"),
    "in_progress": ("in progress", "an attempt is open"),
    "passed": ("passed 85%", "passed, with the best passing score"),
    "failed": ("failed 2/2", "failed after 2 of 2 allowed attempts"),
    "reassigned": (
        "reassigned 1/2",
        "failed, then given another attempt (1 of 2 used)",
    ),
}


@dataclass(frozen=True)
class UnitState:
    """The columns of one ``unit_assignments`` row that a cell needs."""

    unit_key: str
    area_key: str
    status: UnitStatus
    attempts_used: int
    attempts_allowed: int
    best_score: int | None
    passed_score: int | None


@dataclass(frozen=True)
class Cell:
    """One matrix cell: a state with the figures shown next to it."""

    state: str
    score: int | None = None
    attempts_used: int = 0
    attempts_allowed: int = 0

    @property
    def short(self) -> str:
        """Return the cell text: a few words and figures."""
        if self.state == NOT_ASSIGNED:
            return "—"
        if self.state == "passed":
            return f"passed {self.score}%" if self.score is not None else "passed"
        if self.state in ("failed", "reassigned"):
            return f"{self.state} {self.attempts_used}/{self.attempts_allowed}"
        return self.state.replace("_", " ")

    @property
    def text(self) -> str:
        """Return the cell as a sentence, for tooltips, screen readers and exports."""
        if self.state == NOT_ASSIGNED:
            return "not assigned"
        if self.state == "passed":
            return f"passed, {self.score}%" if self.score is not None else "passed"
        if self.state in ("failed", "reassigned"):
            used, allowed = self.attempts_used, self.attempts_allowed
            return f"{self.state}, {used} of {allowed} attempts used"
        return self.state.replace("_", " ")


NOT_ASSIGNED_CELL = Cell(NOT_ASSIGNED)


def unit_cell(row: UnitState | None) -> Cell:
    """Turn a unit's row, or its absence, into a cell."""
    if row is None:
        return NOT_ASSIGNED_CELL
    score = None
    if row.status is UnitStatus.PASSED:
        score = row.passed_score if row.passed_score is not None else row.best_score
    return Cell(row.status.value, score, row.attempts_used, row.attempts_allowed)


def area_cell(suite: Suite, area_key: str, rows: Iterable[UnitState]) -> Cell:
    """Summarise an area's units in one cell, following the suite's pass rule.

    A passed area shows its best passing score. Otherwise the area shows
    the most active state among its units: in progress (an open attempt or
    a unit passed while another the rule needs is not), then reassigned,
    failed and not started. Failed and reassigned areas add up the
    attempts of those units.
    """
    rows = [row for row in rows if row.area_key == area_key]
    if not rows:
        return NOT_ASSIGNED_CELL
    passed = [row for row in rows if row.status is UnitStatus.PASSED]
    if suite.area_passed(area_key, {row.unit_key for row in passed}):
        scores = [unit_cell(row).score for row in passed]
        known = [score for score in scores if score is not None]
        return Cell("passed", max(known) if known else None)
    statuses = {row.status for row in rows}
    if UnitStatus.IN_PROGRESS in statuses or passed:
        return Cell("in_progress")
    for status in (UnitStatus.REASSIGNED, UnitStatus.FAILED):
        if status in statuses:
            counted = [row for row in rows if row.status is status]
            used = sum(row.attempts_used for row in counted)
            allowed = sum(row.attempts_allowed for row in counted)
            return Cell(status.value, None, used, allowed)
    return Cell("not_started")
