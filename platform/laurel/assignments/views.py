"""Pages for assigning suites, reassigning units, the policy and taking units."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from laurel import ui
from laurel.assignments import attempts, policies, reassignments, services
from laurel.assignments.forms import ActionForm, ConfirmForm
from laurel.assignments.models import (
    AssignmentBatch,
    Attempt,
    UnitAssignment,
)
from laurel.assignments.selection import Selection
from laurel.billing import BillingError, InsufficientCredits
from laurel.credentials.services import credential_for
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.identity.services import ValidationError, utcnow
from laurel.identity.sessions import (
    current_org_id,
    get_in_org_or_404,
    org_admin_required,
    roles_required,
    staff_required,
)
from laurel.plugins.registry import enabled_suites, get_suite
from laurel.plugins.suites import Suite
from laurel.rosters import services as rosters

log = logging.getLogger(__name__)

bp = Blueprint("assignments", __name__)

STAFF = (Role.ORG_ADMIN, Role.INSTRUCTOR)
learner_required = roles_required(Role.LEARNER)
LEARNER_SECTION = "assignments/learner_section.html"


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(state.app, "assignments.select_learners", "Assign", STAFF, order=30)
    ui.add_nav_item(
        state.app, "assignments.policy", "Policy", [Role.ORG_ADMIN], order=80
    )
    ui.add_nav_item(
        state.app, "assignments.my_units", "My units", [Role.LEARNER], order=10
    )
    state.app.extensions.setdefault("laurel.learner_sections", []).append(
        LEARNER_SECTION
    )


@bp.app_template_global("learner_progress")
def learner_progress_for(learner: User) -> list[services.SuiteProgress]:
    """Give the learner page section a learner's suites, units and credentials."""
    return services.learner_progress(learner.id, current_org_id())


@bp.app_template_global("assignable_suites")
def assignable_suites() -> list[Suite]:
    return enabled_suites()


# Choosing learners


@bp.route("/assignments/new")
@staff_required
def select_learners() -> str:
    org_id = current_org_id()
    selection = Selection.from_values(request.args)
    query = rosters.learners_query(
        org_id,
        search=selection.search,
        group_id=selection.group_id,
        include_inactive=selection.include_inactive,
    )
    page = db.paginate(
        query, per_page=current_app.config["LAUREL_PAGE_SIZE"], error_out=False
    )
    return render_template(
        "assignments/select.html",
        page=page,
        selection=selection,
        groups=rosters.active_groups(org_id),
        group_names=rosters.groups_of(user.id for user in page.items),
        suites=enabled_suites(),
        chosen_suite=request.args.get("suite", ""),
        action=request.args.get("action", "assign"),
    )


# Assigning


def read_choice(values: Any) -> services.AssignChoice:
    suites = enabled_suites()
    suite_key = values.get("suite", "")
    suite = next((s for s in suites if s.key == suite_key), None)
    default_kind = "subscription" if suite and suite.pricing.subscription else "units"
    default_auto = bool(
        suite
        and suite.pricing.subscription
        and suite.pricing.subscription.auto_reassign
    )
    auto = values.get("auto_reassign")
    return services.parse_choice(
        suites,
        suite_key,
        values.get("kind") or default_kind,
        values.getlist("unit"),
        default_auto if auto is None else auto == "1",
    )


def quote_context(selection: Selection, values: Any) -> dict[str, Any]:
    """Build everything the quote page shows; errors become messages on it."""
    org_id = current_org_id()
    context: dict[str, Any] = {
        "selection": selection,
        "suites": enabled_suites(),
        "values": values,
        "learners": services.learner_names(selection.learner_ids(org_id)),
        "plan": None,
        "quote": None,
        "error": None,
    }
    try:
        selection.require_some()
        choice = read_choice(values)
    except ValidationError as error:
        context["error"] = error.message if choice_was_sent(values, error) else None
        return context
    plan = services.plan_assignment(org_id, choice, selection, utcnow())
    context.update(
        choice=choice,
        plan=plan,
        quote=services.make_quote(org_id, plan.lines, plan.items),
        form=ConfirmForm(
            request_token=services.new_request_token(), quoted_total=plan.total
        ),
    )
    return context


def choice_was_sent(values: Any, error: ValidationError) -> bool:
    """Tell whether an error is about a choice the instructor actually made.

    The first visit to the quote page carries only the learners and maybe a
    suite, so it reports no missing units before the choice form is sent.
    """
    if error.field == "learners":
        return True
    if error.field == "suite":
        return bool(values.get("suite"))
    return bool(values.get("kind"))


@bp.route("/assignments/quote")
@staff_required
def quote() -> str:
    selection = Selection.from_values(request.args)
    return render_template(
        "assignments/quote.html", **quote_context(selection, request.args)
    )


@bp.route("/assignments/confirm", methods=["POST"])
@staff_required
def confirm() -> str | Response | tuple[str, int]:
    form = ConfirmForm()
    selection = Selection.from_values(request.form)
    if not form.validate_on_submit():
        abort(400)
    try:
        token = services.check_request_token(form.request_token.data)
        selection.require_some()
        choice = read_choice(request.form)
        quoted = parse_quoted_total(form.quoted_total.data)
        batch = services.assign(
            current_org_id(), current_user.id, choice, selection, token, quoted
        )
        db.session.commit()
    except services.AlreadyConfirmed as replay:
        db.session.rollback()
        return redirect(url_for("assignments.batch", batch_id=replay.batch.id))
    except (
        ValidationError,
        services.AssignmentError,
        BillingError,
        IntegrityError,
    ) as error:
        db.session.rollback()
        return quote_failed(selection, request.form, error)
    return redirect(url_for("assignments.batch", batch_id=batch.id))


def parse_quoted_total(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(
            "quoted_total", f"Quoted total {text[:20]!r} is not a whole number."
        )
    return int(text)


def failure_message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error.message
    if isinstance(error, InsufficientCredits):
        return (
            f"Nothing was assigned: this needs {error.needed} credits and the "
            f"balance is {error.balance}, so {error.short} credits are missing. "
            "Buy more credits or choose fewer learners."
        )
    if isinstance(error, IntegrityError):
        return (
            "Nothing was assigned: some of these learners were assigned the same "
            "suite by another request at the same moment. Check the quote again."
        )
    return str(error)


def quote_failed(
    selection: Selection, values: Any, error: Exception
) -> tuple[str, int]:
    log.info("assignment by user %s not confirmed: %s", current_user.id, error)
    context = quote_context(selection, values)
    context["failure"] = failure_message(error)
    status = (
        409
        if isinstance(error, BillingError | services.QuoteChanged | IntegrityError)
        else 400
    )
    return render_template("assignments/quote.html", **context), status


@bp.route("/assignments/batches/<int:batch_id>")
@staff_required
def batch(batch_id: int) -> str:
    record = get_in_org_or_404(AssignmentBatch, batch_id)
    return render_template(
        "assignments/batch.html", batch=record, suite=get_suite(record.suite_key)
    )


# Reassigning


def reassign_suite(values: Any) -> Suite:
    suite = get_suite(values.get("suite", ""))
    if suite is None:
        raise ValidationError(
            "suite", f"Suite {values.get('suite', '')!r} is not installed."
        )
    return suite


def reassign_targets(suite: Suite, values: Any) -> list[UnitAssignment]:
    ids = [int(v) for v in values.getlist("unit_assignment_id") if v.isdigit()]
    if ids:
        return reassignments.reassign_targets(
            current_org_id(), suite, unit_assignment_ids=ids
        )
    selection = Selection.from_values(values)
    selection.require_some()
    return reassignments.reassign_targets(current_org_id(), suite, selection=selection)


def reassign_context(values: Any) -> dict[str, Any]:
    org = current_user.organisation
    context: dict[str, Any] = {"values": values, "plan": None, "error": None}
    try:
        suite = reassign_suite(values)
        targets = reassign_targets(suite, values)
    except ValidationError as error:
        context["error"] = error.message
        return context
    plan = reassignments.plan_reassignment(org, suite, targets, utcnow())
    items = plan.quote_items
    context.update(
        suite=suite,
        plan=plan,
        quote=services.make_quote(org.id, plan.lines, items),
        form=ConfirmForm(
            request_token=services.new_request_token(), quoted_total=plan.total
        ),
        hidden=hidden_reassign_values(values),
    )
    return context


def hidden_reassign_values(values: Any) -> list[tuple[str, str]]:
    pairs = [("suite", values.get("suite", ""))]
    pairs += [
        ("unit_assignment_id", v)
        for v in values.getlist("unit_assignment_id")
        if v.isdigit()
    ]
    if len(pairs) == 1:
        pairs += Selection.from_values(values).form_values()
    return pairs


@bp.route("/assignments/reassign")
@staff_required
def reassign_quote() -> str:
    return render_template(
        "assignments/reassign.html", **reassign_context(request.args)
    )


@bp.route("/assignments/reassign", methods=["POST"])
@staff_required
def reassign_confirm() -> str | Response | tuple[str, int]:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        token = services.check_request_token(form.request_token.data)
        suite = reassign_suite(request.form)
        targets = reassign_targets(suite, request.form)
        quoted = parse_quoted_total(form.quoted_total.data)
        org = current_user.organisation
        batch = reassignments.reassign(
            org, current_user.id, suite, targets, token, quoted
        )
        db.session.commit()
    except services.AlreadyConfirmed as replay:
        db.session.rollback()
        return redirect(url_for("assignments.batch", batch_id=replay.batch.id))
    except (ValidationError, services.AssignmentError, BillingError) as error:
        db.session.rollback()
        log.info("reassignment by user %s not confirmed: %s", current_user.id, error)
        context = reassign_context(request.form)
        context["failure"] = failure_message(error)
        status = (
            409 if isinstance(error, BillingError | services.AssignmentError) else 400
        )
        return render_template("assignments/reassign.html", **context), status
    return redirect(url_for("assignments.batch", batch_id=batch.id))


@bp.route("/assignments/units/<int:unit_assignment_id>/unassign", methods=["POST"])
@staff_required
def unassign_unit(unit_assignment_id: int) -> Response:
    ua = get_in_org_or_404(UnitAssignment, unit_assignment_id)
    learner_id = ua.learner_id
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        refunded = reassignments.unassign_unit(ua, current_user.id)
        db.session.commit()
    except (services.AssignmentError, BillingError) as error:
        db.session.rollback()
        log.info("unit assignment %s not unassigned: %s", unit_assignment_id, error)
        flash(str(error), "error")
    else:
        note = f" and refunded {refunded} credits" if refunded else ""
        flash(f"Unassigned the unit{note}.", "info")
    return redirect(url_for("rosters.learner", user_id=learner_id))


# The organisation's policy


@bp.route("/assignments/policy", methods=["GET", "POST"])
@org_admin_required
def policy() -> str | Response | tuple[str, int]:
    org = current_user.organisation
    suites = enabled_suites()
    form = ActionForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        errors = save_policy(org, suites, request.form)
        if not errors:
            db.session.commit()
            flash("The policy is saved.", "info")
            return redirect(url_for("assignments.policy"))
        db.session.rollback()
    marks = {suite.key: policies.pass_marks(org.id, suite) for suite in suites}
    page = render_template(
        "assignments/policy.html",
        org=org,
        suites=suites,
        marks=marks,
        form=form,
        errors=errors,
        values=request.form,
    )
    return (page, 400) if errors else page


def save_policy(org: Any, suites: list[Suite], values: Any) -> dict[str, str]:
    """Apply the posted policy; return field name to message for bad values."""
    errors: dict[str, str] = {}
    try:
        policies.set_extra_attempt_cap(
            org, values.get("extra_attempt_cap", ""), current_user.id
        )
    except ValidationError as error:
        errors[error.field] = error.message
    for suite in suites:
        for area in suite.areas:
            name = f"pass_mark-{suite.key}-{area.key}"
            raw = values.get(name, "").strip()
            try:
                mark = policies.check_pass_mark(suite, area.key, raw) if raw else None
                policies.set_pass_mark(org.id, suite, area.key, mark, current_user.id)
            except ValidationError as error:
                errors[name] = error.message
    return errors


# Learners taking units


def own_unit_or_404(unit_assignment_id: int) -> UnitAssignment:
    ua = db.session.get(UnitAssignment, unit_assignment_id)
    if ua is None or ua.learner_id != current_user.id:
        abort(404)
    return ua


def own_attempt_or_404(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.learner_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/my/units")
@learner_required
def my_units() -> str:
    return render_template(
        "assignments/my_units.html",
        progress=services.learner_progress(current_user.id, current_org_id()),
    )


@bp.route("/my/units/<int:unit_assignment_id>")
@learner_required
def unit(unit_assignment_id: int) -> str:
    ua = own_unit_or_404(unit_assignment_id)
    suite = get_suite(ua.suite_key)
    return render_template(
        "assignments/unit.html",
        ua=ua,
        suite=suite,
        unit=suite.unit(ua.unit_key) if suite else None,
        open_attempt=attempts.open_attempt(ua),
        expired=ua.suite_assignment.expired(utcnow()),
        form=ActionForm(),
    )


@bp.route("/my/units/<int:unit_assignment_id>/start", methods=["POST"])
@learner_required
def start_attempt(unit_assignment_id: int) -> Response:
    ua = own_unit_or_404(unit_assignment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = attempts.start_attempt(ua)
        db.session.commit()
    except attempts.AttemptError as error:
        db.session.rollback()
        log.info("unit assignment %s: attempt not started: %s", ua.id, error)
        flash(str(error), "error")
        return redirect(url_for("assignments.unit", unit_assignment_id=ua.id))
    except IntegrityError:
        # A start in another tab won the race; show the attempt it opened.
        db.session.rollback()
        opened = attempts.open_attempt(ua)
        if opened is None:
            raise
        attempt = opened
    return redirect(url_for("assignments.attempt", attempt_id=attempt.id))


def attempt_context(attempt: Attempt) -> dict[str, Any]:
    ua = attempt.unit_assignment
    suite, unit = attempts.suite_and_unit(ua)
    return {
        "attempt": attempt,
        "ua": ua,
        "suite": suite,
        "unit": unit,
        "questions": attempts.questions_of(attempt, suite),
    }


@bp.route("/my/attempts/<int:attempt_id>")
@learner_required
def attempt(attempt_id: int) -> str | Response | tuple[str, int]:
    record = own_attempt_or_404(attempt_id)
    if record.submitted:
        return redirect(url_for("assignments.attempt_result", attempt_id=record.id))
    try:
        context = attempt_context(record)
    except attempts.AttemptError as error:
        return render_template(
            "assignments/attempt_unavailable.html", message=str(error)
        ), 409
    return render_template("assignments/attempt.html", form=ActionForm(), **context)


def wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "application/json"


@bp.route("/my/attempts/<int:attempt_id>/save", methods=["POST"])
@learner_required
def save_attempt(attempt_id: int) -> Response | tuple[Response, int]:
    record = own_attempt_or_404(attempt_id)
    try:
        questions = attempts.questions_of(
            record, attempts.suite_and_unit(record.unit_assignment)[0]
        )
        answers = attempts.parse_answers(questions, request.form)
        saved = attempts.save_answers(record, answers)
        db.session.commit()
    except attempts.AttemptError as error:
        db.session.rollback()
        log.info("attempt %s: answers not saved: %s", record.id, error)
        return save_response(record, str(error), 400)
    if not saved:
        return save_response(
            record,
            "This attempt is submitted already; answers can no longer change.",
            409,
        )
    return save_response(record, None, 200)


def save_response(
    record: Attempt, error: str | None, status: int
) -> Response | tuple[Response, int]:
    if wants_json():
        body: dict[str, Any] = {
            "answered": len(record.answers),
            "total": len(record.question_ids),
        }
        if error:
            body["error"] = error
        return jsonify(body), status
    if error:
        flash(error, "error")
    else:
        flash(
            f"Saved {len(record.answers)} of {len(record.question_ids)} answers.",
            "info",
        )
    if record.submitted:
        return redirect(url_for("assignments.attempt_result", attempt_id=record.id))
    return redirect(url_for("assignments.attempt", attempt_id=record.id))


@bp.route("/my/attempts/<int:attempt_id>/submit", methods=["POST"])
@learner_required
def submit_attempt(attempt_id: int) -> Response:
    record = own_attempt_or_404(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        suite = attempts.suite_and_unit(record.unit_assignment)[0]
        answers = attempts.parse_answers(
            attempts.questions_of(record, suite), request.form
        )
        attempts.submit_attempt(record, answers)
        db.session.commit()
    except attempts.AttemptError as error:
        db.session.rollback()
        log.info("attempt %s not submitted: %s", record.id, error)
        flash(str(error), "error")
        return redirect(url_for("assignments.attempt", attempt_id=record.id))
    return redirect(url_for("assignments.attempt_result", attempt_id=record.id))


@bp.route("/my/attempts/<int:attempt_id>/result")
@learner_required
def attempt_result(attempt_id: int) -> str | Response | tuple[str, int]:
    record = own_attempt_or_404(attempt_id)
    if not record.submitted:
        return redirect(url_for("assignments.attempt", attempt_id=record.id))
    try:
        context = attempt_context(record)
    except attempts.AttemptError as error:
        return render_template(
            "assignments/attempt_unavailable.html", message=str(error)
        ), 409
    return render_template(
        "assignments/result.html",
        credential=credential_for(record.learner_id, record.suite_key),
        **context,
    )
