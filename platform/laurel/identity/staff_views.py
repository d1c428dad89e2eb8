"""Pages for organisations and their staff.

Platform admins create organisations and give each its first staff
accounts; an org admin adds the organisation's instructors and other org
admins. Learners are added on the learners pages.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from laurel import ui
from laurel.extensions import db
from laurel.identity import services
from laurel.identity.forms import OrganisationForm, StaffForm
from laurel.identity.models import STAFF_ROLES, Organisation, Role, User
from laurel.identity.sessions import (
    current_org_id,
    org_admin_required,
    platform_admin_required,
)

bp = Blueprint("staff", __name__)


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(
        state.app, "staff.organisations", "Organisations", [Role.PLATFORM_ADMIN], 5
    )
    ui.add_nav_item(state.app, "staff.org_staff", "Staff", [Role.ORG_ADMIN], 90)


def staff_of(org_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.org_id == org_id, User.role.in_(STAFF_ROLES))
            .order_by(User.last_name, User.first_name)
        )
    )


def add_staff(form: StaffForm, org: Organisation) -> User | None:
    """Create the account from a valid form; put errors on the form and return None."""
    try:
        account = services.create_user(
            email=form.email.data,
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            role=Role(form.role.data),
            org=org,
            password=form.password.data or None,
            actor_id=current_user.id,
        )
    except services.ValidationError as error:
        getattr(form, error.field, form.email).errors.append(error.message)
        return None
    db.session.commit()
    flash(f"Added {account.user.role.label} {account.user.full_name}.", "info")
    if account.generated_password:
        flash(f"Their password, shown only now: {account.generated_password}", "secret")
    return account.user


@bp.route("/admin/organisations", methods=["GET", "POST"])
@platform_admin_required
def organisations() -> str | Response:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(
                form.slug.data, form.name.data, actor_id=current_user.id
            )
        except services.ValidationError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Created {org.name}. Add its first org admin below.", "info")
            return redirect(url_for("staff.organisation", org_id=org.id))
    counts = dict(
        db.session.execute(
            select(User.org_id, func.count())
            .where(User.role == Role.LEARNER)
            .group_by(User.org_id)
        ).all()
    )
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template(
        "identity/organisations.html", form=form, orgs=orgs, counts=counts
    )


@bp.route("/admin/organisations/<int:org_id>", methods=["GET", "POST"])
@platform_admin_required
def organisation(org_id: int) -> str | Response:
    org = db.get_or_404(Organisation, org_id)
    form = StaffForm()
    if form.validate_on_submit() and add_staff(form, org):
        return redirect(url_for("staff.organisation", org_id=org.id))
    return render_template(
        "identity/staff.html", org=org, form=form, staff=staff_of(org.id), admin=True
    )


@bp.route("/staff", methods=["GET", "POST"])
@org_admin_required
def org_staff() -> str | Response:
    org = db.session.get(Organisation, current_org_id())
    form = StaffForm()
    if form.validate_on_submit() and add_staff(form, org):
        return redirect(url_for("staff.org_staff"))
    return render_template(
        "identity/staff.html", org=org, form=form, staff=staff_of(org.id), admin=False
    )
