"""Pages of the reports domain: the matrix, learner reports, the summary, exports."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from laurel import ui
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.identity.services import ValidationError, utcnow
from laurel.identity.sessions import (
    current_org_id,
    get_in_org_or_404,
    roles_required,
    staff_required,
)
from laurel.reports import charts, exports, forms, services
from laurel.reports import summary as summaries
from laurel.reports.cells import LEGEND
from laurel.reports.learner_report import build_learner_report
from laurel.rosters import services as rosters

log = logging.getLogger(__name__)

bp = Blueprint("reports", __name__, url_prefix="/reports")

STAFF = (Role.ORG_ADMIN, Role.INSTRUCTOR)
LEARNER_SECTION = "reports/learner_section.html"


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(state.app, "reports.matrix", "Progress", STAFF, order=40)
    ui.add_nav_item(state.app, "reports.summary", "Summary", STAFF, order=41)
    ui.add_nav_item(
        state.app, "reports.my_report", "My report", (Role.LEARNER,), order=40
    )
    state.app.extensions.setdefault("laurel.learner_sections", []).append(
        LEARNER_SECTION
    )


def bad_request(
    template: str, error: ValidationError, **context: object
) -> tuple[str, int]:
    log.info(
        "%s rejected %s for user %s: %s",
        request.path,
        error.field,
        current_user.id,
        error.message,
    )
    return render_template(template, error=error.message, **context), 400


# The matrix


@bp.get("/matrix")
@staff_required
def matrix() -> str | tuple[str, int]:
    org_id = current_org_id()
    suites = services.available_suites(org_id)
    context = {"suites": suites, "groups": rosters.active_groups(org_id)}
    if not suites:
        return render_template("reports/matrix.html", **context)
    try:
        filters = forms.parse_matrix_filters(request.args, org_id, suites)
        page_number = forms.parse_page(request.args)
    except ValidationError as error:
        return bad_request("reports/matrix.html", error, **context)
    per_page = int(current_app.config["LAUREL_PAGE_SIZE"])
    page = services.matrix_page(org_id, filters, page_number, per_page)
    return render_template(
        "reports/matrix.html",
        filters=filters,
        page=page,
        legend=LEGEND,
        status_choices=forms.STATUS_CHOICES,
        sort_choices=forms.SORT_CHOICES,
        **context,
    )


@bp.get("/matrix/export.<any(csv, xlsx):fmt>")
@staff_required
def export_matrix(fmt: str) -> Response | tuple[str, int]:
    org_id = current_org_id()
    suites = services.available_suites(org_id)
    if not suites:
        abort(404)
    try:
        filters = forms.parse_matrix_filters(request.args, org_id, suites)
    except ValidationError as error:
        context = {"suites": suites, "groups": rosters.active_groups(org_id)}
        return bad_request("reports/matrix.html", error, **context)
    columns = services.columns_of(filters.suite, filters.view)
    learners = services.iter_matrix_rows(db.engine, org_id, filters)
    rows = exports.matrix_rows(learners, len(filters.suite.areas))
    group = filters.scope.group
    filename = exports.safe_filename(
        "progress", filters.suite.key, group.name if group else "all", today()
    )
    log.info(
        "matrix export %s of suite %s, group %s, by user %s",
        fmt,
        filters.suite.key,
        group.id if group else None,
        current_user.id,
    )
    header = exports.matrix_header(columns)
    return exports.export_response(fmt, filename, filters.suite.title, header, rows)


# Learner reports


def learner_or_404(user_id: int) -> User:
    learner = get_in_org_or_404(User, user_id)
    if learner.role is not Role.LEARNER:
        abort(404)
    return learner


@bp.get("/learners/<int:user_id>")
@staff_required
def learner_report(user_id: int) -> str:
    learner = learner_or_404(user_id)
    report = build_learner_report(learner)
    return render_template("reports/learner_report.html", report=report, own=False)


@bp.get("/learners/<int:user_id>/export.<any(csv, xlsx):fmt>")
@staff_required
def export_learner_report(user_id: int, fmt: str) -> Response:
    return learner_report_export(learner_or_404(user_id), fmt)


@bp.get("/me")
@roles_required(Role.LEARNER)
def my_report() -> str:
    report = build_learner_report(current_user._get_current_object())
    return render_template("reports/learner_report.html", report=report, own=True)


@bp.get("/me/export.<any(csv, xlsx):fmt>")
@roles_required(Role.LEARNER)
def export_my_report(fmt: str) -> Response:
    return learner_report_export(current_user._get_current_object(), fmt)


def learner_report_export(learner: User, fmt: str) -> Response:
    report = build_learner_report(learner)
    filename = exports.safe_filename(
        "report", learner.last_name, learner.first_name, today()
    )
    log.info(
        "learner report export %s of user %s by user %s",
        fmt,
        learner.id,
        current_user.id,
    )
    # A report is a few hundred rows at most; reading them now keeps the
    # streamed body away from the request's session, which closes first.
    rows = list(exports.learner_report_rows(report))
    header = list(exports.LEARNER_REPORT_HEADER)
    return exports.export_response(fmt, filename, learner.full_name, header, rows)


# The summary


@bp.get("/summary")
@staff_required
def summary() -> str | tuple[str, int]:
    org_id = current_org_id()
    suites = services.available_suites(org_id)
    context = {"suites": suites, "groups": rosters.active_groups(org_id)}
    if not suites:
        return render_template("reports/summary.html", **context)
    try:
        scope = forms.parse_scope(request.args, org_id, suites)
    except ValidationError as error:
        return bad_request("reports/summary.html", error, **context)
    figures = summaries.summary(org_id, scope)
    return render_template(
        "reports/summary.html",
        scope=scope,
        figures=figures,
        rate_chart=rate_chart(figures),
        distribution_chart=distribution_chart(figures),
        **context,
    )


def rate_chart(figures: summaries.Summary) -> Markup:
    bars = [
        charts.Bar(
            rate.title,
            rate.percent or 0,
            "no learners" if rate.percent is None else f"{rate.percent}%",
        )
        for rate in figures.area_rates
    ]
    return charts.horizontal_bars(
        "pass-rate-chart",
        "Pass rate per area",
        "Percentage of learners assigned each area who have passed it; "
        "the table beside the chart lists the same figures.",
        bars,
        100,
    )


def distribution_chart(figures: summaries.Summary) -> Markup:
    bars = [
        charts.Bar(f"{passed} areas passed", count, str(count), short=str(passed))
        for passed, count in enumerate(figures.distribution)
    ]
    return charts.columns(
        "distribution-chart",
        "Learners by number of areas passed",
        "Number of learners with 0, 1, 2 and more areas passed; "
        "the table beside the chart lists the same figures.",
        bars,
        max(figures.distribution, default=0),
    )


def today() -> str:
    return utcnow().date().isoformat()
