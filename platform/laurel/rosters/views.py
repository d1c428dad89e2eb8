"""Pages for learners and groups."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from laurel import ui
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Role, User
from laurel.identity.sessions import current_org_id, get_in_org_or_404, staff_required
from laurel.rosters import services
from laurel.rosters.forms import EmptyForm, GroupForm, LearnerForm, ResetPasswordForm
from laurel.rosters.models import Group

bp = Blueprint("rosters", __name__)

STAFF = (Role.ORG_ADMIN, Role.INSTRUCTOR)


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(state.app, "rosters.learners", "Learners", STAFF, order=10)
    ui.add_nav_item(state.app, "rosters.groups", "Groups", STAFF, order=20)


def learner_or_404(user_id: int) -> User:
    user = get_in_org_or_404(User, user_id)
    if user.role is not Role.LEARNER:
        abort(404)
    return user


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


# Learners


@bp.route("/learners")
@staff_required
def learners() -> str:
    org_id = current_org_id()
    search = request.args.get("q", "")[:200]
    group_id = int_arg("group")
    show_inactive = request.args.get("inactive") == "1"
    query = services.learners_query(
        org_id, search=search, group_id=group_id, include_inactive=show_inactive
    )
    page = db.paginate(query, per_page=current_app.config["LAUREL_PAGE_SIZE"], error_out=False)
    return render_template(
        "rosters/learners.html",
        page=page,
        groups=services.active_groups(org_id),
        group_names=services.groups_of(user.id for user in page.items),
        search=search,
        group_id=group_id,
        show_inactive=show_inactive,
    )


def fill_group_choices(form: LearnerForm, org_id: int) -> None:
    form.groups.choices = [(group.id, group.name) for group in services.active_groups(org_id)]


@bp.route("/learners/new", methods=["GET", "POST"])
@staff_required
def add_learner() -> str | Response:
    org_id = current_org_id()
    form = LearnerForm()
    fill_group_choices(form, org_id)
    if form.validate_on_submit():
        try:
            account = identity.create_user(
                email=form.email.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                role=Role.LEARNER,
                org=current_user.organisation,
                password=form.password.data or None,
                external_id=form.external_id.data,
                actor_id=current_user.id,
            )
        except identity.ValidationError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            for group_id in form.groups.data or []:
                services.add_members(get_in_org_or_404(Group, group_id), [account.user.id], current_user.id)
            db.session.commit()
            flash(f"Added {account.user.full_name}.", "info")
            if account.generated_password:
                flash(f"Their password, shown only now: {account.generated_password}", "secret")
            return redirect(url_for("rosters.learner", user_id=account.user.id))
    return render_template("rosters/learner_form.html", form=form, learner=None)


@bp.route("/learners/<int:user_id>")
@staff_required
def learner(user_id: int) -> str:
    user = learner_or_404(user_id)
    return render_template(
        "rosters/learner.html",
        learner=user,
        group_names=services.groups_of([user.id]).get(user.id, []),
        form=EmptyForm(),
        reset_form=ResetPasswordForm(),
        sections=learner_page_sections(),
    )


def learner_page_sections() -> list[str]:
    """Return the templates other domains add to the learner page."""
    return current_app.extensions.get("laurel.learner_sections", [])


@bp.route("/learners/<int:user_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_learner(user_id: int) -> str | Response:
    user = learner_or_404(user_id)
    form = LearnerForm(obj=user)
    fill_group_choices(form, user.org_id)
    del form.password
    if request.method == "GET":
        form.groups.data = [g.id for g in services.active_groups(user.org_id) if user in g.members]
    if form.validate_on_submit():
        try:
            save_learner(user, form)
        except identity.ValidationError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Saved {user.full_name}.", "info")
            return redirect(url_for("rosters.learner", user_id=user.id))
    return render_template("rosters/learner_form.html", form=form, learner=user)


def save_learner(user: User, form: LearnerForm) -> None:
    from laurel import audit

    user.first_name, user.last_name = identity.check_names(form.first_name.data, form.last_name.data)
    user.email = identity.check_new_email(form.email.data, exclude_user_id=user.id)
    user.external_id = identity.check_external_id(
        user.org_id, form.external_id.data, exclude_user_id=user.id
    )
    wanted = set(form.groups.data or [])
    for group in services.active_groups(user.org_id):
        if group.id in wanted:
            services.add_members(group, [user.id], current_user.id)
        else:
            services.remove_member(group, user.id, current_user.id)
    audit.record("user.updated", "user", user.id, org_id=user.org_id, actor_id=current_user.id)


@bp.route("/learners/<int:user_id>/deactivate", methods=["POST"])
@staff_required
def deactivate_learner(user_id: int) -> Response:
    user = learner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        identity.deactivate_user(user, current_user.id)
        db.session.commit()
        flash(f"{user.full_name} is deactivated and can no longer log in. Their history is kept.", "info")
    return redirect(url_for("rosters.learner", user_id=user.id))


@bp.route("/learners/<int:user_id>/reactivate", methods=["POST"])
@staff_required
def reactivate_learner(user_id: int) -> Response:
    user = learner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        identity.reactivate_user(user, current_user.id)
        db.session.commit()
        flash(f"{user.full_name} can log in again.", "info")
    return redirect(url_for("rosters.learner", user_id=user.id))


@bp.route("/learners/<int:user_id>/password", methods=["POST"])
@staff_required
def reset_password(user_id: int) -> str | Response:
    from laurel.identity.passwords import generate_password

    user = learner_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        password = form.password.data or generate_password()
        try:
            identity.set_password(user, password, current_user.id)
        except identity.ValidationError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(f"Password reset for {user.full_name}.", "info")
            if not form.password.data:
                flash(f"The new password, shown only now: {password}", "secret")
    return redirect(url_for("rosters.learner", user_id=user.id))


# Groups


@bp.route("/groups", methods=["GET", "POST"])
@staff_required
def groups() -> str | Response:
    org_id = current_org_id()
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(org_id, form.name.data, current_user.id)
        except identity.ValidationError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Created group {group.name}.", "info")
            return redirect(url_for("rosters.group", group_id=group.id))
    show_archived = request.args.get("archived") == "1"
    return render_template(
        "rosters/groups.html",
        form=form,
        groups=services.groups_with_counts(org_id, include_archived=show_archived),
        show_archived=show_archived,
    )


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@staff_required
def group(group_id: int) -> str | Response:
    group = get_in_org_or_404(Group, group_id)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            services.rename_group(group, form.name.data, current_user.id)
        except identity.ValidationError as error:
            form.name.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Renamed the group to {group.name}.", "info")
            return redirect(url_for("rosters.group", group_id=group.id))
    search = request.args.get("q", "")[:200]
    candidates = []
    if search:
        candidates = db.session.scalars(
            services.learners_query(group.org_id, search=search).limit(20)
        ).all()
    return render_template(
        "rosters/group.html",
        group=group,
        form=form,
        action_form=EmptyForm(),
        search=search,
        candidates=candidates,
    )


@bp.route("/groups/<int:group_id>/archive", methods=["POST"])
@staff_required
def archive_group(group_id: int) -> Response:
    group = get_in_org_or_404(Group, group_id)
    if EmptyForm().validate_on_submit():
        archive = request.form.get("archive") == "1"
        services.set_group_archived(group, archive, current_user.id)
        db.session.commit()
        flash(f"Group {group.name} is {'archived' if archive else 'restored'}.", "info")
    return redirect(url_for("rosters.group", group_id=group.id))


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@staff_required
def add_group_members(group_id: int) -> Response:
    group = get_in_org_or_404(Group, group_id)
    if EmptyForm().validate_on_submit():
        ids = [int(v) for v in request.form.getlist("user_id") if v.isdigit()]
        added = services.add_members(group, ids, current_user.id)
        db.session.commit()
        flash(f"Added {added} learner{'s' if added != 1 else ''} to {group.name}.", "info")
    return redirect(url_for("rosters.group", group_id=group.id))


@bp.route("/groups/<int:group_id>/members/<int:user_id>/remove", methods=["POST"])
@staff_required
def remove_group_member(group_id: int, user_id: int) -> Response:
    group = get_in_org_or_404(Group, group_id)
    user = learner_or_404(user_id)
    if EmptyForm().validate_on_submit():
        services.remove_member(group, user.id, current_user.id)
        db.session.commit()
        flash(f"Removed {user.full_name} from {group.name}.", "info")
    return redirect(url_for("rosters.group", group_id=group.id))
