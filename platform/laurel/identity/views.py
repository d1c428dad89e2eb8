"""Login, logout, the dashboard and one's own account."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from laurel import audit
from laurel.extensions import db
from laurel.identity import passwords, services
from laurel.identity.forms import ChangePasswordForm, LoginForm
from laurel.identity.models import Role

log = logging.getLogger(__name__)

bp = Blueprint("identity", __name__)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` when it is a path on this site, else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("identity.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr
            )
        except services.LoginRateLimited as error:
            db.session.commit()
            flash(str(error), "error")
            return render_template("identity/login.html", form=form), 429
        if user is None:
            db.session.commit()
            flash("Email or password is incorrect.", "error")
            return render_template("identity/login.html", form=form), 401
        session.clear()  # a new session at login, so no earlier state carries over
        login_user(user)
        audit.record(
            "user.logged_in", "user", user.id, org_id=user.org_id, actor_id=user.id
        )
        db.session.commit()
        log.info("user %s logged in", user.id)
        return redirect(safe_next(form.next.data) or url_for("identity.dashboard"))
    return render_template("identity/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("identity.login"))


@bp.route("/")
@login_required
def dashboard() -> str | Response:
    if current_user.role is Role.LEARNER:
        target = "assignments.my_units"
    elif current_user.role is Role.PLATFORM_ADMIN:
        target = "plugins.admin_plugins"
    else:
        target = "rosters.learners"
    from flask import current_app

    if target in current_app.view_functions:
        return redirect(url_for(target))
    return render_template("identity/dashboard.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not passwords.verify_password(
            current_user.password_hash, form.current_password.data
        ):
            form.current_password.errors.append("The current password is incorrect.")
        else:
            try:
                user = current_user._get_current_object()
                services.set_password(user, form.new_password.data, user.id)
            except services.ValidationError as error:
                form.new_password.errors.append(error.message)
            else:
                db.session.commit()
                login_user(user)  # keep this session after the token change
                flash("Your password is changed.", "info")
                return redirect(url_for("identity.dashboard"))
    return render_template("identity/change_password.html", form=form)
