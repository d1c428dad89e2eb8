"""Pages: the API tokens of an organisation, and the API reference."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from laurel import ui
from laurel.api import services
from laurel.api.forms import TokenForm
from laurel.api.models import ApiToken
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError
from laurel.identity.sessions import (
    current_org_id,
    get_in_org_or_404,
    org_admin_required,
)
from laurel.rosters.forms import EmptyForm

bp = Blueprint("api_pages", __name__)


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(
        state.app, "api_pages.tokens", "API tokens", [Role.ORG_ADMIN], order=90
    )


def tokens_page(form: TokenForm, new_secret: str | None = None) -> Response:
    page = render_template(
        "api/tokens.html",
        form=form,
        action_form=EmptyForm(),
        tokens=services.org_tokens(current_org_id()),
        new_secret=new_secret,
    )
    response = Response(page, mimetype="text/html")
    # The page may show a new token's secret: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-tokens", methods=["GET", "POST"])
@org_admin_required
def tokens() -> Response:
    """List the organisation's tokens; create one and show its secret once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return tokens_page(form)
    try:
        new = services.create_token(
            current_org_id(), form.name.data, Role(form.role.data), current_user.id
        )
    except ValidationError as error:
        getattr(form, error.field).errors.append(error.message)
        return tokens_page(form)
    db.session.commit()
    return tokens_page(TokenForm(formdata=None), new_secret=new.secret)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@org_admin_required
def revoke(token_id: int) -> Response:
    token = get_in_org_or_404(ApiToken, token_id)
    if EmptyForm().validate_on_submit():
        services.revoke_token(token, current_user.id)
        db.session.commit()
        flash(f"Token {token.name} is revoked; requests with it now get 401.", "info")
    return redirect(url_for("api_pages.tokens"))


@bp.route("/api/v1/docs")
def docs() -> str:
    """Render the OpenAPI document with our own script; no login needed."""
    return render_template("api/docs.html")
