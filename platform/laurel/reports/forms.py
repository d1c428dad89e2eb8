"""Filters of the progress matrix and the summary, read from the query string.

The pages use GET forms, so a filtered view is a URL that can be bookmarked
and that the export links repeat. Invalid values raise ``ValidationError``
with a message naming the value and the accepted ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from laurel.assignments.models import UnitStatus
from laurel.extensions import db
from laurel.identity.services import ValidationError
from laurel.plugins.suites import Suite
from laurel.reports.cells import NOT_ASSIGNED
from laurel.rosters.models import Group

STATUS_CHOICES = {
    NOT_ASSIGNED: "not assigned",
    **{status.value: status.label for status in UnitStatus},
}
SORT_CHOICES = {
    "name": "name (A to Z)",
    "progress": "progress (most areas passed first)",
    "progress_asc": "progress (fewest areas passed first)",
}
VIEW_CHOICES = {"units": "units", "areas": "areas"}
FLAG_VALUES = {"": False, "0": False, "1": True, "on": True}
PAGE_MAX = 1_000_000


@dataclass(frozen=True)
class ReportScope:
    """The learners a page covers: those of a suite, optionally of one group."""

    suite: Suite
    group: Group | None = None
    include_inactive: bool = False


@dataclass(frozen=True)
class MatrixFilters:
    """The matrix's filters, sort order and view; every filter must match."""

    scope: ReportScope
    status: str | None = None  # a key of STATUS_CHOICES that some unit has
    earned: bool = False  # has an unrevoked credential for the suite
    one_area_away: bool = False  # exactly one required area unpassed
    stuck: bool = False  # an unpassed area with no attempt left (services)
    sort: str = "name"
    view: str = "units"

    @property
    def suite(self) -> Suite:
        return self.scope.suite

    @property
    def narrowed(self) -> bool:
        """Tell whether any filter leaves learners out."""
        return bool(
            self.scope.group
            or self.status
            or self.earned
            or self.one_area_away
            or self.stuck
        )

    def query_args(self) -> dict[str, str]:
        """Return the filters as query-string values, for links and exports."""
        args = {"suite": self.suite.key, "sort": self.sort, "view": self.view}
        if self.scope.group is not None:
            args["group"] = str(self.scope.group.id)
        if self.scope.include_inactive:
            args["inactive"] = "1"
        if self.status:
            args["status"] = self.status
        for name in ("earned", "one_area_away", "stuck"):
            if getattr(self, name):
                args[name] = "1"
        return args


def parse_scope(
    args: Mapping[str, str], org_id: int, suites: Sequence[Suite]
) -> ReportScope:
    """Read the suite, group and inactive choices; the first suite is the default."""
    return ReportScope(
        suite=parse_suite(args.get("suite", ""), suites),
        group=parse_group(args.get("group", ""), org_id),
        include_inactive=parse_flag(args, "inactive"),
    )


def parse_matrix_filters(
    args: Mapping[str, str], org_id: int, suites: Sequence[Suite]
) -> MatrixFilters:
    status = args.get("status", "").strip() or None
    if status is not None and status not in STATUS_CHOICES:
        raise ValidationError(
            "status", choice_message("Status", status, STATUS_CHOICES)
        )
    return MatrixFilters(
        scope=parse_scope(args, org_id, suites),
        status=status,
        earned=parse_flag(args, "earned"),
        one_area_away=parse_flag(args, "one_area_away"),
        stuck=parse_flag(args, "stuck"),
        sort=parse_choice(args, "sort", SORT_CHOICES, "name"),
        view=parse_choice(args, "view", VIEW_CHOICES, "units"),
    )


def parse_suite(value: str, suites: Sequence[Suite]) -> Suite:
    key = value.strip()
    if not key:
        return suites[0]
    for suite in suites:
        if suite.key == key:
            return suite
    listed = ", ".join(suite.key for suite in suites)
    raise ValidationError(
        "suite", f"Suite {key!r} is not available here; choose one of: {listed}."
    )


def parse_group(value: str, org_id: int) -> Group | None:
    text = value.strip()
    if not text:
        return None
    group = db.session.get(Group, int(text)) if text.isdigit() else None
    if group is None or group.org_id != org_id:
        raise ValidationError(
            "group",
            f"Group {text!r} is not found in your organisation; choose a group "
            "from the list or leave it empty for all learners.",
        )
    return group


def parse_flag(args: Mapping[str, str], name: str) -> bool:
    value = args.get(name, "").strip().lower()
    if value not in FLAG_VALUES:
        raise ValidationError(
            name, f"{name}={value!r} is invalid; use 1 to turn the filter on."
        )
    return FLAG_VALUES[value]


def parse_choice(
    args: Mapping[str, str], name: str, choices: Mapping[str, str], default: str
) -> str:
    value = args.get(name, "").strip() or default
    if value not in choices:
        raise ValidationError(name, choice_message(name.capitalize(), value, choices))
    return value


def parse_page(args: Mapping[str, str]) -> int:
    """Read the page number, 1 by default."""
    text = args.get("page", "").strip() or "1"
    if not text.isdigit() or not 1 <= int(text) <= PAGE_MAX:
        raise ValidationError(
            "page", f"Page {text!r} is invalid; use a whole number from 1."
        )
    return int(text)


def choice_message(label: str, value: str, choices: Mapping[str, str]) -> str:
    listed = ", ".join(choices)
    return f"{label} {value!r} is invalid; use one of: {listed}."
