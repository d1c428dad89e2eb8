"""Pages for printing credentials, following print jobs and downloading them."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from laurel import ui
from laurel.assignments.selection import Selection
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError, utcnow
from laurel.identity.sessions import current_org_id, org_admin_required, staff_required
from laurel.printing import login_sheets, services, tracking
from laurel.printing.forms import PrintForm, PrintSettingsForm
from laurel.printing.models import PrintJob
from laurel.rosters import services as rosters
from laurel.rosters.models import Group

log = logging.getLogger(__name__)

bp = Blueprint("printing", __name__)

STAFF = (Role.ORG_ADMIN, Role.INSTRUCTOR)
LEARNER_SECTION = "printing/learner_section.html"
# How often the job page reloads itself while the job runs.
REFRESH_SECONDS = 2


@bp.record_once
def add_to_ui(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(state.app, "printing.jobs", "Print jobs", STAFF, order=60)
    state.app.extensions.setdefault("laurel.learner_sections", []).append(
        LEARNER_SECTION
    )


@bp.app_context_processor
def printing_helpers() -> dict:
    return {"learner_credentials": services.learner_credentials}


def job_or_404(job_id: str) -> PrintJob:
    job = services.job_in_org(current_org_id(), job_id)
    if job is None:
        abort(404)
    return job


# Print jobs


@bp.route("/print-jobs")
@staff_required
def jobs() -> str:
    org_id = current_org_id()
    page = db.paginate(
        services.jobs_query(org_id),
        per_page=current_app.config["LAUREL_PAGE_SIZE"],
        error_out=False,
    )
    for job in page.items:
        tracking.refresh(job)
    db.session.commit()
    return render_template("printing/jobs.html", page=page)


@bp.route("/print-jobs/<job_id>")
@staff_required
def job(job_id: str) -> str:
    print_job = job_or_404(job_id)
    # The opportunistic sweep: a stale job is dispatched again on view.
    now = utcnow()
    report = tracking.SweepReport()
    state = tracking.sweep_one(print_job, now, report)
    login_sheets.purge_old_sheets(now, print_job.org_id)
    db.session.commit()
    return render_template(
        "printing/job.html",
        job=print_job,
        state=state,
        redispatched=bool(report.redispatched),
        refresh_seconds=None if print_job.finished else REFRESH_SECONDS,
        stale_seconds=tracking.stale_seconds(),
        downloads=services.DOWNLOADS,
    )


@bp.route("/print-jobs/<job_id>/files/<kind>")
@staff_required
def download(job_id: str, kind: str) -> Response:
    print_job = job_or_404(job_id)
    path = services.output_path(print_job, kind)
    if path is None:
        abort(404)
    log.info(
        "print job %s: %s downloaded by user %s",
        print_job.job_id,
        kind,
        current_user.id,
    )
    return send_output(print_job, path, kind)


def send_output(print_job: PrintJob, path: Path, kind: str) -> Response:
    """Send a job's stored output as a download, for the page and the API."""
    response = send_file(
        path,
        mimetype=services.DOWNLOADS[kind].mimetype,
        as_attachment=True,
        download_name=services.download_name(print_job, kind),
        max_age=0,
    )
    # Set in full: send_file appends a second charset to a text type that
    # names one, as "text/csv; charset=utf-8" does.
    response.content_type = services.DOWNLOADS[kind].mimetype
    if kind == "login_sheet":
        response.headers["Cache-Control"] = "no-store"  # the file has passwords
    return response


# Requesting prints


def selection_title(org_id: int, selection: Selection, suite_title: str) -> str:
    group = db.session.get(Group, selection.group_id) if selection.group_id else None
    if selection.all_matching and group is not None and group.org_id == org_id:
        who = f"Group {group.name}"
    elif selection.all_matching:
        who = "Matching learners"
    else:
        count = len(selection.user_ids)
        who = f"{count} selected learner{'s' if count != 1 else ''}"
    return f"{who}, {suite_title}"


def chosen_suite(values: dict, suites: list[tuple[str, str]]) -> str:
    suite_key = values.get("suite", "")
    if not suite_key and len(suites) == 1:
        return suites[0][0]
    return suite_key if suite_key in dict(suites) else ""


@bp.route("/print/credentials", methods=["GET", "POST"])
@staff_required
def print_credentials() -> str | Response | tuple[str, int]:
    """Print the credentials of a group or a selection of learners."""
    org_id = current_org_id()
    values = request.form if request.method == "POST" else request.args
    selection = Selection.from_values(values)
    suites = services.suites_with_credentials(org_id)
    suite_key = chosen_suite(values, suites)
    choice = None
    if suite_key and not selection.empty:
        choice = services.choose_credentials(
            org_id, suite_key, selection.learner_ids(org_id)
        )
    form = PrintForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "The form expired; reload the page and print again.")
        if choice is not None and choice.included:
            title = selection_title(org_id, selection, dict(suites)[suite_key])
            started = start_group_print(choice, title)
            if started is not None:
                return started
        else:
            flash(
                "Nothing to print: none of the chosen learners has a valid credential.",
                "error",
            )
    return render_template(
        "printing/print_credentials.html",
        form=form,
        selection=selection,
        suites=suites,
        suite_key=suite_key,
        choice=choice,
        groups=rosters.active_groups(org_id),
    ), (400 if request.method == "POST" else 200)


def start_group_print(choice: services.CredentialChoice, title: str) -> Response | None:
    """Request the print and return the redirect to its page; None on an error."""
    try:
        print_job = services.request_credentials_print(
            current_user.organisation, choice.included, current_user, title
        )
    except ValidationError as error:
        flash(error.message, "error")
        return None
    db.session.commit()
    skipped = len(choice.skipped)
    flash(
        f"Printing {len(choice.included)} credentials"
        + (
            f"; {skipped} learner{'s' if skipped != 1 else ''} skipped."
            if skipped
            else "."
        ),
        "info",
    )
    return redirect(url_for("printing.job", job_id=print_job.job_id))


@bp.route("/credentials/<public_id>/print", methods=["GET", "POST"])
@staff_required
def print_credential(public_id: str) -> str | Response:
    """Show one credential with a button that prints it as one PDF."""
    credential = services.credential_in_org(current_org_id(), public_id)
    if credential is None:
        abort(404)
    form = PrintForm()
    if form.validate_on_submit():
        try:
            print_job = services.request_single_print(credential, current_user)
        except ValidationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            return redirect(url_for("printing.job", job_id=print_job.job_id))
    return render_template(
        "printing/print_credential.html", credential=credential, form=form
    )


@bp.route("/learners/import/<token>/print-login-sheet", methods=["POST"])
@staff_required
def print_import_login_sheet(token: str) -> Response:
    """Print the login sheet of the signed-in user's own roster import."""
    roster_import = login_sheets.import_of_user(
        token, current_org_id(), current_user.id
    )
    if roster_import is None:
        abort(404)
    result_page = url_for("rosters_import.result", token=token)
    if not PrintForm().validate_on_submit():
        flash("The form has expired; print the login sheet again.", "error")
        return redirect(result_page)
    try:
        print_job = login_sheets.print_import_sheet(roster_import, current_user)
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(result_page)
    db.session.commit()
    return redirect(url_for("printing.job", job_id=print_job.job_id))


# Organisation setting


@bp.route("/settings/printing", methods=["GET", "POST"])
@org_admin_required
def settings() -> str | Response:
    org = current_user.organisation
    form = PrintSettingsForm(page_size=org.page_size)
    if form.validate_on_submit():
        services.set_page_size(org, form.page_size.data, current_user.id)
        db.session.commit()
        flash(
            f"Credentials and login sheets now print on {form.page_size.data} paper.",
            "info",
        )
        return redirect(url_for("printing.settings"))
    return render_template("printing/settings.html", form=form)
