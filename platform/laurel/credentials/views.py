"""Pages for one credential: its details and the org admin's revoke action.

Public verification and printing live elsewhere; these pages need a login.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from laurel.credentials import services
from laurel.credentials.forms import RevokeForm
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError
from laurel.identity.sessions import org_admin_required

log = logging.getLogger(__name__)

bp = Blueprint("credentials", __name__)


def visible_credential_or_404(public_id: str) -> Credential:
    """Load a credential its learner or their organisation's staff may see."""
    credential = services.credential_by_public_id(public_id)
    if credential is None or credential.org_id != current_user.org_id:
        abort(404)
    if current_user.role is Role.LEARNER and credential.learner_id != current_user.id:
        abort(404)
    return credential


@bp.route("/credentials/<public_id>")
@login_required
def detail(public_id: str) -> str:
    credential = visible_credential_or_404(public_id)
    return render_template(
        "credentials/detail.html", credential=credential, form=RevokeForm()
    )


@bp.route("/credentials/<public_id>/revoke", methods=["POST"])
@org_admin_required
def revoke(public_id: str) -> str | Response | tuple[str, int]:
    credential = visible_credential_or_404(public_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            changed = services.revoke(credential, form.reason.data, current_user.id)
        except ValidationError as error:
            log.info("credential %s not revoked: %s", credential.id, error.message)
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(
                f"Credential {credential.code} is revoked."
                if changed
                else f"Credential {credential.code} was revoked already.",
                "info",
            )
            return redirect(
                url_for("credentials.detail", public_id=credential.public_id)
            )
    page = render_template("credentials/detail.html", credential=credential, form=form)
    return page, 400
