"""/api/v1/learners/{id}/progress and /api/v1/progress: learners' progress in suites.

The first returns a learner's suites, units and credentials, as on the
learner's page. The second returns the progress matrix of the reports pages,
with the same filters and sort orders. Both read through the assignment and
report services, so a matrix page costs the same few statements at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from laurel.api import make_blueprint
from laurel.api.auth import api_org_id, get_in_org_or_404
from laurel.api.errors import reject
from laurel.api.learners import LEARNER_ID, GroupRefSchema, group_refs, learner_or_404
from laurel.api.schemas import PageArgs, PageSchema, RowId, Text, UtcDateTime, page_dict
from laurel.assignments import services as assignments
from laurel.assignments.models import AssignmentKind, UnitAssignment, UnitStatus
from laurel.assignments.services import SuiteProgress
from laurel.credentials.models import Credential
from laurel.credentials.verify import verification_url
from laurel.extensions import db
from laurel.identity.services import ValidationError
from laurel.plugins.suites import Suite
from laurel.reports import forms
from laurel.reports import services as reports
from laurel.reports.cells import Cell
from laurel.reports.forms import MatrixFilters, ReportScope
from laurel.rosters.models import Group

blp = make_blueprint(
    "progress", "", "Learners' progress in suites: per learner, and as a matrix."
)


# Schemas


class AreaRefSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    required = fields.Boolean(
        required=True,
        metadata={"description": "The credential needs this area; false if unknown."},
    )


class CredentialRefSchema(Schema):
    public_id = fields.String(
        required=True, metadata={"description": "The id in /api/v1/credentials URLs."}
    )
    code = fields.String(required=True, metadata={"description": "The code on paper."})
    issued_at = UtcDateTime(required=True)
    revoked = fields.Boolean(required=True)
    revoked_at = UtcDateTime(required=True, allow_none=True)
    verification_url = fields.String(
        required=True, metadata={"description": "The public verification page."}
    )


class UnitProgressSchema(Schema):
    id = fields.Integer(
        required=True,
        metadata={
            "description": "The unit assignment's id, which reassigning a failed "
            "unit needs."
        },
    )
    unit_key = fields.String(required=True)
    unit_title = fields.String(
        required=True, metadata={"description": "The key when the suite lacks it."}
    )
    area_key = fields.String(required=True)
    area_title = fields.String(required=True)
    unit_kind = fields.String(
        required=True, metadata={"description": "assessment or skill_building."}
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf([status.value for status in UnitStatus]),
    )
    attempts_used = fields.Integer(required=True)
    attempts_allowed = fields.Integer(required=True)
    attempts_left = fields.Integer(required=True)
    extra_attempts = fields.Integer(
        required=True, metadata={"description": "Attempts granted by instructors."}
    )
    best_score = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Highest percent score of a submitted attempt."},
    )
    passed_score = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Percent score of the attempt that passed."},
    )
    last_score = fields.Integer(required=True, allow_none=True)
    last_attempt_at = UtcDateTime(required=True, allow_none=True)
    passed_at = UtcDateTime(required=True, allow_none=True)


class SuiteProgressSchema(Schema):
    suite_key = fields.String(required=True)
    suite_title = fields.String(
        required=True, metadata={"description": "The key when the suite is not loaded."}
    )
    suite_version = fields.String(
        required=True, metadata={"description": "The version assigned."}
    )
    suite_loaded = fields.Boolean(
        required=True,
        metadata={
            "description": "False when the suite's plugin is not loaded: titles "
            "are then keys and the credential's rules are unknown."
        },
    )
    kind = fields.String(
        required=True, validate=validate.OneOf([kind.value for kind in AssignmentKind])
    )
    term_start = UtcDateTime(
        required=True, allow_none=True, metadata={"description": "Subscriptions only."}
    )
    term_end = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "Subscriptions only; no attempt starts after it."},
    )
    expired = fields.Boolean(
        required=True, metadata={"description": "The subscription's term is over."}
    )
    auto_reassign = fields.Boolean(
        required=True,
        metadata={
            "description": "A failed skill-building unit gets one more attempt "
            "on its own."
        },
    )
    units = fields.List(
        fields.Nested(UnitProgressSchema),
        required=True,
        metadata={"description": "The assigned units, in the suite's order."},
    )
    passed_areas = fields.List(
        fields.Nested(AreaRefSchema),
        required=True,
        metadata={"description": "Areas passed under the suite's pass rule."},
    )
    missing_areas = fields.List(
        fields.Nested(AreaRefSchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "Required areas not passed yet; null when the suite "
            "is not loaded."
        },
    )
    credential = fields.Nested(CredentialRefSchema, required=True, allow_none=True)


class LearnerProgressSchema(Schema):
    learner_id = fields.Integer(required=True)
    suites = fields.List(
        fields.Nested(SuiteProgressSchema),
        required=True,
        metadata={"description": "Assigned suites, oldest assignment first."},
    )


class MatrixQuerySchema(PageArgs):
    suite = Text(
        validate=[validate.Length(max=64)],
        metadata={
            "description": "A suite key; default: the first suite on the matrix "
            "page (one the organisation has assigned, by title)."
        },
    )
    group = RowId(metadata={"description": "Only members of this group."})
    include_inactive = fields.Boolean(
        load_default=False, metadata={"description": "Include deactivated learners."}
    )
    status = fields.String(
        validate=validate.OneOf(list(forms.STATUS_CHOICES)),
        metadata={"description": "Only learners with a unit in this state."},
    )
    earned = fields.Boolean(
        load_default=False,
        metadata={"description": "Only learners holding an unrevoked credential."},
    )
    one_area_away = fields.Boolean(
        load_default=False,
        metadata={"description": "Only learners with exactly one required area left."},
    )
    stuck = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Only learners with an unpassed area whose units failed "
            "with no attempts left."
        },
    )
    sort = fields.String(
        load_default="name",
        validate=validate.OneOf(list(forms.SORT_CHOICES)),
        metadata={
            "description": "name (last name, first name), progress (most areas "
            "passed first) or progress_asc."
        },
    )
    view = fields.String(
        load_default="units",
        validate=validate.OneOf(list(forms.VIEW_CHOICES)),
        metadata={"description": "Columns: one per unit, or one per area."},
    )


class MatrixSuiteSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.String(required=True)
    areas = fields.List(fields.Nested(AreaRefSchema), required=True)


class ColumnSchema(Schema):
    key = fields.String(
        required=True, metadata={"description": "A unit key, or an area key."}
    )
    title = fields.String(required=True)
    heading = fields.String(
        required=True, metadata={"description": "Short text for a table head."}
    )


class CellSchema(Schema):
    column = fields.String(required=True, metadata={"description": "The column key."})
    state = fields.String(
        required=True,
        validate=validate.OneOf(list(forms.STATUS_CHOICES)),
        metadata={"description": "A unit status, or not_assigned."},
    )
    score = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The best passing score, for passed cells."},
    )
    attempts_used = fields.Integer(required=True)
    attempts_allowed = fields.Integer(required=True)
    text = fields.String(
        required=True, metadata={"description": "The cell as a sentence."}
    )


class MatrixRowSchema(Schema):
    learner_id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    groups = fields.List(
        fields.Nested(GroupRefSchema),
        required=True,
        metadata={"description": "Active groups, by name."},
    )
    has_suite = fields.Boolean(
        required=True, metadata={"description": "Some unit of the suite is assigned."}
    )
    areas_passed = fields.Integer(required=True)
    required_passed = fields.Integer(
        required=True, metadata={"description": "Required areas passed."}
    )
    cells = fields.List(
        fields.Nested(CellSchema),
        required=True,
        metadata={"description": "One cell per column, in the columns' order."},
    )
    credential = fields.Nested(CredentialRefSchema, required=True, allow_none=True)


class MatrixPageSchema(PageSchema):
    suite = fields.Nested(MatrixSuiteSchema, required=True)
    view = fields.String(required=True)
    sort = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnSchema), required=True)
    items = fields.List(fields.Nested(MatrixRowSchema), required=True)


# One learner's progress


def credential_ref(credential: Credential | None) -> dict[str, Any] | None:
    if credential is None:
        return None
    return {
        "public_id": credential.public_id,
        "code": credential.code,
        "issued_at": credential.issued_at,
        "revoked": credential.revoked,
        "revoked_at": credential.revoked_at,
        "verification_url": verification_url(credential.public_id),
    }


def unit_data(progress: SuiteProgress, ua: UnitAssignment) -> dict[str, Any]:
    names = (
        "id",
        "unit_key",
        "area_key",
        "unit_kind",
        "attempts_used",
        "attempts_allowed",
        "attempts_left",
        "extra_attempts",
        "best_score",
        "passed_score",
        "last_score",
        "last_attempt_at",
        "passed_at",
    )
    data = {name: getattr(ua, name) for name in names}
    data.update(
        unit_title=progress.unit_title(ua),
        area_title=progress.area_title(ua.area_key),
        status=ua.status.value,
    )
    return data


def area_ref(progress: SuiteProgress, key: str) -> dict[str, Any]:
    suite = progress.suite
    required = suite is not None and key in suite.rules.required_areas
    return {"key": key, "title": progress.area_title(key), "required": required}


def suite_progress_data(progress: SuiteProgress) -> dict[str, Any]:
    sa = progress.assignment
    passed = progress.passed_areas
    missing = None
    if progress.suite is not None:
        required = progress.suite.rules.required_areas
        missing = [
            area_ref(progress, area.key)
            for area in progress.suite.areas
            if area.key in required and area.key not in passed
        ]
    return {
        "suite_key": sa.suite_key,
        "suite_title": progress.title,
        "suite_version": sa.suite_version,
        "suite_loaded": progress.suite is not None,
        "kind": sa.kind.value,
        "term_start": sa.term_start,
        "term_end": sa.term_end,
        "expired": progress.expired,
        "auto_reassign": sa.auto_reassign,
        "units": [unit_data(progress, ua) for ua in progress.units],
        "passed_areas": [area_ref(progress, key) for key in passed],
        "missing_areas": missing,
        "credential": credential_ref(progress.credential),
    }


# The matrix


def matrix_filters(args: dict[str, Any]) -> MatrixFilters:
    """Build the matrix page's filters from validated query parameters.

    An unknown suite and another organisation's group get 404, like any
    object the token's organisation does not have.
    """
    org_id = api_org_id()
    suites = reports.available_suites(org_id)
    suite = find_suite(args.get("suite", ""), suites)
    group = None
    if "group" in args:
        group = get_in_org_or_404(Group, args["group"], "group")
    scope = ReportScope(suite, group, args["include_inactive"])
    return MatrixFilters(
        scope=scope,
        status=args.get("status"),
        earned=args["earned"],
        one_area_away=args["one_area_away"],
        stuck=args["stuck"],
        sort=args["sort"],
        view=args["view"],
    )


def find_suite(key: str, suites: Sequence[Suite]) -> Suite:
    if not suites:
        reject(
            404,
            "suite",
            "No suite is available to this organisation yet; a platform admin "
            "must enable one first.",
            location="query",
        )
    try:
        return forms.parse_suite(key, suites)
    except ValidationError as error:
        reject(404, "suite", error.message, location="query")


def page_credentials(
    org_id: int, suite_key: str, learner_ids: Sequence[int]
) -> dict[int, Credential]:
    """Return the suite's credentials of some learners in one query."""
    if not learner_ids:
        return {}
    rows = db.session.scalars(
        select(Credential).where(
            Credential.org_id == org_id,
            Credential.suite_key == suite_key,
            Credential.learner_id.in_(list(learner_ids)),
        )
    )
    return {credential.learner_id: credential for credential in rows}


def cell_data(column_key: str, cell: Cell) -> dict[str, Any]:
    return {
        "column": column_key,
        "state": cell.state,
        "score": cell.score,
        "attempts_used": cell.attempts_used,
        "attempts_allowed": cell.attempts_allowed,
        "text": cell.text,
    }


def suite_data(suite: Suite) -> dict[str, Any]:
    required = suite.rules.required_areas
    return {
        "key": suite.key,
        "title": suite.title,
        "version": suite.version,
        "areas": [
            {"key": area.key, "title": area.title, "required": area.key in required}
            for area in suite.areas
        ],
    }


def matrix_total(org_id: int, filters: MatrixFilters) -> int:
    """Count the filtered learners, for a page past the last one.

    Past the last page no row carries the window count, so this reads the
    first row of the same query instead.
    """
    row = db.session.execute(reports.page_query(org_id, filters, 1, 0)).first()
    return row.total if row is not None else 0


def matrix_data(
    org_id: int, filters: MatrixFilters, page_number: int, per_page: int
) -> dict[str, Any]:
    page = reports.matrix_page(org_id, filters, page_number, per_page)
    total = page.total if page.total is not None else matrix_total(org_id, filters)
    ids = [row.learner_id for row in page.items]
    groups = group_refs(ids) if ids else {}
    credentials = page_credentials(org_id, filters.suite.key, ids)
    keys = [column.key for column in page.columns]
    items = []
    for row in page.items:
        items.append(
            {
                "learner_id": row.learner_id,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "email": row.email,
                "external_id": row.external_id,
                "active": row.active,
                "groups": groups.get(row.learner_id, []),
                "has_suite": row.has_suite,
                "areas_passed": row.areas_passed,
                "required_passed": row.required_passed,
                "cells": [
                    cell_data(key, cell)
                    for key, cell in zip(keys, row.cells, strict=True)
                ],
                "credential": credential_ref(credentials.get(row.learner_id)),
            }
        )
    data = page_dict(items, page_number, per_page, total)
    data.update(
        suite=suite_data(filters.suite),
        view=filters.view,
        sort=filters.sort,
        columns=[
            {"key": column.key, "title": column.title, "heading": column.heading}
            for column in page.columns
        ],
    )
    return data


# Views


@blp.route(f"/learners/{LEARNER_ID}/progress")
@blp.response(200, LearnerProgressSchema)
def learner_progress(learner_id: int) -> dict[str, Any]:
    """Read a learner's suites with their units, areas and credential."""
    learner = learner_or_404(learner_id)
    suites = assignments.learner_progress(learner.id, api_org_id())
    return {
        "learner_id": learner.id,
        "suites": [suite_progress_data(progress) for progress in suites],
    }


@blp.route("/progress")
@blp.arguments(MatrixQuerySchema, location="query")
@blp.response(200, MatrixPageSchema)
def progress_matrix(args: dict[str, Any]) -> dict[str, Any]:
    """List one page of the progress matrix, filtered and sorted as on its page."""
    per_page = args.get("per_page") or int(current_app.config["LAUREL_PAGE_SIZE"])
    return matrix_data(api_org_id(), matrix_filters(args), args["page"], per_page)
