"""The platform admin's plugins page: status, errors, enable and disable."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from laurel import ui
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import ValidationError
from laurel.identity.sessions import platform_admin_required
from laurel.plugins import services
from laurel.plugins.forms import PluginStateForm

log = logging.getLogger(__name__)

bp = Blueprint("plugins", __name__, url_prefix="/admin/plugins")


@bp.record_once
def add_menu(state) -> None:  # noqa: ANN001 - Flask's BlueprintSetupState
    ui.add_nav_item(
        state.app, "plugins.admin_plugins", "Plugins", [Role.PLATFORM_ADMIN], 90
    )


@bp.route("")
@platform_admin_required
def admin_plugins() -> str:
    return render_template(
        "plugins/admin.html", plugins=services.list_plugins(), form=PluginStateForm()
    )


@bp.route("/<name>/enable", methods=["POST"])
@platform_admin_required
def enable_plugin(name: str) -> Response:
    return change_state(name, enabled=True)


@bp.route("/<name>/disable", methods=["POST"])
@platform_admin_required
def disable_plugin(name: str) -> Response:
    return change_state(name, enabled=False)


def change_state(name: str, enabled: bool) -> Response:
    if not PluginStateForm().validate_on_submit():
        abort(400)
    if name not in installed_names():
        abort(404)
    try:
        changed = services.set_enabled(name, enabled, actor_id=current_user.id)
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("plugins.admin_plugins"))
    db.session.commit()
    flash(state_message(name, enabled, changed), "info")
    return redirect(url_for("plugins.admin_plugins"))


def installed_names() -> set[str]:
    return {plugin.name for plugin in services.list_plugins()}


def state_message(name: str, enabled: bool, changed: bool) -> str:
    if not changed:
        return f"Plugin {name} was already {'enabled' if enabled else 'disabled'}."
    if enabled:
        return f"Plugin {name} is enabled: organisations can buy and assign its suites."
    return (
        f"Plugin {name} is disabled: its suites can no longer be bought or newly "
        "assigned. Work already assigned stays available."
    )
