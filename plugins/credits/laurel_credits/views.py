"""Credit pages: the header balance, the organisation's credits page and
usage report, and the platform admin's purchase and correction pages."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from laurel import ui
from laurel.billing import BillingError
from laurel.extensions import db
from laurel.identity.models import Organisation, Role
from laurel.identity.sessions import (
    current_org_id,
    org_admin_required,
    platform_admin_required,
    staff_required,
)
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from laurel_credits import exports, reports, services
from laurel_credits.forms import (
    CorrectionForm,
    PurchaseForm,
    ReverseForm,
    ThresholdForm,
    new_key,
)
from laurel_credits.models import CreditAccount, EntryKind, LedgerEntry

log = logging.getLogger(__name__)

bp = Blueprint(
    "credits",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/credits/static",
)

STAFF = (Role.ORG_ADMIN, Role.INSTRUCTOR)
LOW_BALANCE_SETTING = "LAUREL_CREDITS_LOW_BALANCE"
DEFAULT_LOW_BALANCE = 10
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.record_once
def set_up(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    low_balance_default(state.app)
    ui.add_nav_item(state.app, "credits.overview", "Credits", STAFF, order=60)
    ui.add_nav_item(
        state.app,
        "credits.admin_organisations",
        "Credits",
        [Role.PLATFORM_ADMIN],
        order=60,
    )
    ui.add_header_item(state.app, balance_badge)


def low_balance_default(app: Flask) -> int:
    """Read LAUREL_CREDITS_LOW_BALANCE, raising ValueError when it is invalid."""
    value = app.config.get(LOW_BALANCE_SETTING, DEFAULT_LOW_BALANCE)
    try:
        threshold = int(value)
    except (TypeError, ValueError):
        threshold = -1
    if threshold < 0:
        raise ValueError(
            f"{LOW_BALANCE_SETTING}={value!r} is invalid; set a whole number of "
            "credits, 0 or more."
        )
    return threshold


def account_state(org_id: int) -> tuple[int, int]:
    """Return the balance and the threshold below which it counts as low."""
    row = db.session.execute(
        select(CreditAccount.balance, CreditAccount.low_balance_threshold).where(
            CreditAccount.org_id == org_id
        )
    ).first()
    balance, own_threshold = row if row else (0, None)
    if own_threshold is None:
        own_threshold = low_balance_default(current_app)
    return balance, own_threshold


def balance_badge() -> Markup | None:
    """Render the balance for the header of org admins' and instructors' pages."""
    if not current_user.is_authenticated or current_user.role not in STAFF:
        return None
    balance, threshold = account_state(current_user.org_id)
    low = balance < threshold
    return Markup('<a class="credit-balance{}" href="{}">Credits: {}{}</a>').format(
        " low-balance" if low else "",
        url_for("credits.overview"),
        balance,
        Markup(' <span class="visually-hidden">(low)</span>') if low else "",
    )


# The organisation's pages


@bp.route("/credits")
@staff_required
def overview() -> str:
    org_id = current_org_id()
    filters, errors = reports.parse_history_filters(request.args)
    page = db.paginate(
        reports.history_query(org_id, filters),
        per_page=current_app.config["LAUREL_PAGE_SIZE"],
        error_out=False,
    )
    balance, threshold = account_state(org_id)
    own_threshold = db.session.scalar(
        select(CreditAccount.low_balance_threshold).where(
            CreditAccount.org_id == org_id
        )
    )
    return render_template(
        "credits/overview.html",
        balance=balance,
        threshold=threshold,
        threshold_form=ThresholdForm(threshold=own_threshold),
        default_threshold=low_balance_default(current_app),
        page=page,
        filters=filters,
        errors=errors,
        kinds=list(EntryKind),
        actors=reports.history_actors(org_id),
        suites=reports.history_suites(org_id),
    )


@bp.route("/credits/threshold", methods=["POST"])
@org_admin_required
def set_threshold() -> Response:
    form = ThresholdForm()
    if not form.validate_on_submit():
        for message in form.threshold.errors or ["The form expired; try again."]:
            flash(f"Low-balance threshold not saved: {message}", "error")
        return redirect(url_for("credits.overview"))
    services.set_low_balance_threshold(
        current_org_id(), form.threshold.data, current_user.id
    )
    db.session.commit()
    if form.threshold.data is None:
        flash("The balance is highlighted below the platform's default again.", "info")
    else:
        flash(
            f"The balance is highlighted below {form.threshold.data} credits.", "info"
        )
    return redirect(url_for("credits.overview"))


def usage_grouping(errors: list[str]) -> str:
    grouping = request.args.get("by", "learner")
    if grouping not in reports.USAGE_GROUPINGS:
        errors.append(f"by {grouping!r} is invalid; choose learner, admin or suite.")
        return "learner"
    return grouping


@bp.route("/credits/usage")
@staff_required
def usage() -> str:
    org_id = current_org_id()
    errors: list[str] = []
    grouping = usage_grouping(errors)
    dates = reports.parse_date_range(request.args, errors)
    rows = reports.usage(org_id, grouping, dates)
    return render_template(
        "credits/usage.html",
        grouping=grouping,
        dates=dates,
        rows=rows,
        errors=errors,
        total_net=sum(row.net for row in rows),
    )


USAGE_HEADERS = {
    "learner": ["Learner", "Email"],
    "admin": ["Admin", "Email"],
    "suite": ["Suite", "Suite key"],
}


@bp.route("/credits/usage.<fmt>")
@staff_required
def usage_export(fmt: str) -> Response:
    org_id = current_org_id()
    check_format(fmt)
    errors: list[str] = []
    grouping = usage_grouping(errors)
    dates = reports.parse_date_range(request.args, errors)
    if errors:
        return reject_export(errors, "credits.usage")
    header = [*USAGE_HEADERS[grouping], "Charged", "Refunded", "Net"]
    rows = [
        [row.label, row.detail, row.charged, row.refunded, row.net]
        for row in reports.usage(org_id, grouping, dates)
    ]
    return download(fmt, f"credit-usage-by-{grouping}", "Credit usage", header, rows)


HISTORY_HEADER = [
    "Entry",
    "Date (UTC)",
    "Kind",
    "Amount",
    "Balance after",
    "Paid for",
    "Suite",
    "Unit",
    "Learner",
    "By",
    "Reason",
    "Note",
]


def history_row(entry: LedgerEntry) -> list[Any]:
    return [
        entry.id,
        entry.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        entry.kind.value,
        entry.amount,
        entry.balance_after,
        entry.paid_for.value,
        entry.suite,
        entry.unit,
        entry.learner.full_name if entry.learner else None,
        entry.actor.email if entry.actor else "system",
        entry.reason,
        entry.note,
    ]


@bp.route("/credits/history.<fmt>")
@staff_required
def history_export(fmt: str) -> Response:
    org_id = current_org_id()
    check_format(fmt)
    filters, errors = reports.parse_history_filters(request.args)
    if errors:
        return reject_export(errors, "credits.overview")
    entries = db.session.scalars(reports.history_query(org_id, filters))
    rows = [history_row(entry) for entry in entries]
    return download(fmt, "credit-history", "Credit history", HISTORY_HEADER, rows)


def check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        abort(404)


def reject_export(errors: list[str], endpoint: str) -> Response:
    for message in errors:
        flash(f"Nothing exported: {message}", "error")
    arguments: dict[str, Any] = request.args.to_dict()
    return redirect(url_for(endpoint, **arguments))


def download(
    fmt: str, stem: str, title: str, header: list[str], rows: list[list[Any]]
) -> Response:
    org = db.session.get(Organisation, current_org_id())
    # NOTE: the whole file is built in memory, which suits ledgers of up to
    # some hundred thousand entries; larger ones would need streaming.
    if fmt == "csv":
        body = exports.csv_bytes(header, rows)
    else:
        body = exports.xlsx_bytes(title, header, rows)
    filename = f"{stem}-{org.slug}-{date.today().isoformat()}.{fmt}"
    response = current_app.response_class(body, mimetype=EXPORT_FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The platform admin's pages


@bp.route("/admin/credits")
@platform_admin_required
def admin_organisations() -> str:
    page = db.paginate(
        select(Organisation).order_by(Organisation.slug),
        per_page=current_app.config["LAUREL_PAGE_SIZE"],
        error_out=False,
    )
    balances = dict(
        db.session.execute(
            select(CreditAccount.org_id, CreditAccount.balance).where(
                CreditAccount.org_id.in_([org.id for org in page.items])
            )
        ).all()
    )
    return render_template(
        "credits/admin_organisations.html", page=page, balances=balances
    )


def organisation_or_404(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


def render_admin_page(org: Organisation, status: int = 200, **forms: Any) -> Any:
    history = db.paginate(
        reports.history_query(org.id, reports.HistoryFilters()),
        per_page=current_app.config["LAUREL_PAGE_SIZE"],
        error_out=False,
    )
    reversed_ids = set(
        db.session.scalars(
            select(LedgerEntry.reverses_entry_id).where(
                LedgerEntry.org_id == org.id, LedgerEntry.reverses_entry_id.is_not(None)
            )
        )
    )
    page = render_template(
        "credits/admin_organisation.html",
        org=org,
        balance=services.balance(org.id),
        history=history,
        reversed_ids=reversed_ids,
        purchase_form=forms.get("purchase_form") or PurchaseForm(formdata=None),
        correction_form=forms.get("correction_form") or CorrectionForm(formdata=None),
        reverse_form=ReverseForm(formdata=None),
        new_key=new_key,
    )
    return page, status


@bp.route("/admin/credits/<int:org_id>")
@platform_admin_required
def admin_organisation(org_id: int) -> Any:
    return render_admin_page(organisation_or_404(org_id))


@bp.route("/admin/credits/<int:org_id>/purchases", methods=["POST"])
@platform_admin_required
def record_purchase(org_id: int) -> Any:
    org = organisation_or_404(org_id)
    form = PurchaseForm()
    if not form.validate_on_submit():
        return render_admin_page(org, 400, purchase_form=form)
    return record(
        org,
        lambda: services.purchase(
            org.id,
            form.amount.data,
            form.note.data,
            current_user.id,
            form.idempotency_key.data,
        ),
        f"a purchase of {form.amount.data} credits",
    )


@bp.route("/admin/credits/<int:org_id>/corrections", methods=["POST"])
@platform_admin_required
def record_correction(org_id: int) -> Any:
    org = organisation_or_404(org_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_admin_page(org, 400, correction_form=form)
    return record(
        org,
        lambda: services.correct(
            org.id,
            form.amount.data,
            form.note.data,
            current_user.id,
            form.idempotency_key.data,
        ),
        f"a correction of {form.amount.data:+d} credits",
    )


@bp.route(
    "/admin/credits/<int:org_id>/entries/<int:entry_id>/reversal", methods=["POST"]
)
@platform_admin_required
def reverse_entry(org_id: int, entry_id: int) -> Any:
    org = organisation_or_404(org_id)
    form = ReverseForm()
    if not form.validate_on_submit():
        flash(f"Entry {entry_id} not reversed: give a note saying why.", "error")
        return redirect(url_for("credits.admin_organisation", org_id=org.id))
    return record(
        org,
        lambda: services.reverse(
            org.id, entry_id, form.note.data, current_user.id, form.idempotency_key.data
        ),
        f"the reversal of entry {entry_id}",
    )


def record(org: Organisation, change: Any, description: str) -> Response:
    """Run a ledger change for a platform admin, then show the page again."""
    try:
        outcome = change()
    except BillingError as error:
        db.session.rollback()
        log.info(
            "credits change for organisation %s by user %s rejected: %s",
            org.id,
            current_user.id,
            error,
        )
        flash(f"Not recorded: {error}", "error")
        return redirect(url_for("credits.admin_organisation", org_id=org.id))
    db.session.commit()
    if outcome.replayed:
        flash(
            f"{description.capitalize()} was already recorded as entry "
            f"{outcome.entry.id}; nothing more was added.",
            "info",
        )
    else:
        flash(
            f"Recorded {description} for {org.name} as entry {outcome.entry.id}; "
            f"the balance is {outcome.entry.balance_after}.",
            "info",
        )
    return redirect(url_for("credits.admin_organisation", org_id=org.id))
