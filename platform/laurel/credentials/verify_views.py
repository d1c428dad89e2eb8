"""Public verification pages: by public id (the QR code) and by short code."""

from __future__ import annotations

import logging

# Flask's Response, not werkzeug's: its default type is text/html, which
# browsers need to render these pages under X-Content-Type-Options: nosniff.
from flask import Blueprint, Response, render_template, request

from laurel.credentials import verify
from laurel.credentials.models import Credential
from laurel.extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("verify", __name__)


def over_rate_limit() -> Response | None:
    """Count this lookup; return the 429 page when the address is over its limit."""
    count = verify.count_lookup(request.remote_addr)
    db.session.commit()
    limits = verify.rate_limit()
    if count <= limits.limit:
        return None
    if count == limits.limit + 1:
        log.warning(
            "verification lookups from %s passed %d in %d seconds",
            request.remote_addr,
            limits.limit,
            limits.window_seconds,
        )
    retry_after = verify.retry_after_seconds()
    body = render_template(
        "verify/rate_limited.html", limits=limits, retry_after=retry_after
    )
    return Response(body, status=429, headers={"Retry-After": str(retry_after)})


def credential_page(credential: Credential | None) -> Response:
    """Render a credential's page, or the one not-found page for any unknown one."""
    if credential is None:
        # The same page and status for unknown ids and unknown codes, so
        # neither reveals whether the other kind of lookup would match.
        return Response(render_template("verify/not_found.html"), status=404)
    return Response(render_template("verify/credential.html", credential=credential))


@bp.route("/verify")
def lookup() -> Response | str:
    """Show the short-code form; with ``?code=``, look the code up."""
    code = request.args.get("code")
    if code is None:
        return render_template("verify/form.html")
    if not code.strip():
        error = "Enter the code printed on the credential, such as LAU-7KQ2-M9XD."
        return Response(render_template("verify/form.html", error=error), status=400)
    limited = over_rate_limit()
    if limited:
        return limited
    return credential_page(verify.find_by_code(code))


@bp.route("/verify/<public_id>")
def credential(public_id: str) -> Response:
    limited = over_rate_limit()
    if limited:
        return limited
    return credential_page(verify.find_by_public_id(public_id))
