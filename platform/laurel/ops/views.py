"""``/healthz`` (liveness) and ``/readyz`` (readiness) for load balancers.

Both need no login and answer JSON: 200 when every check passes, 503
otherwise. A check's status is "ok", "not configured" (Redis without
``LAUREL_REDIS_URL``: print jobs run in-process), "unreachable", "pending"
(migrations not yet applied) or "unknown revision".
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from laurel.ops import services

bp = Blueprint("ops", __name__)


def report(checks: dict[str, services.Check]) -> tuple[Response, int]:
    passed = all(check.passed for check in checks.values())
    body = {
        "status": "ok" if passed else "error",
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
    return jsonify(body), 200 if passed else 503


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Report whether the database and Redis answer."""
    return report(
        {"database": services.check_database(), "redis": services.check_redis()}
    )


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    """Report the health checks and whether the migrations are at head."""
    checks = {"database": services.check_database(), "redis": services.check_redis()}
    if checks["database"].passed:
        checks["migrations"] = services.check_migrations()
    else:
        checks["migrations"] = services.Check(services.UNREACHABLE)
    return report(checks)
