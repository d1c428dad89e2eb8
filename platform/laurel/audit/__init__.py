"""Audit events for every change of people, credits, assignments and credentials."""

from __future__ import annotations

from typing import Any

from laurel.audit.models import AuditEvent
from laurel.extensions import db


def record(
    action: str,
    obj_type: str,
    obj_id: object,
    *,
    org_id: int | None,
    actor_id: int | None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current session; the caller commits it."""
    event = AuditEvent(
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        org_id=org_id,
        actor_id=actor_id,
        details=details,
    )
    db.session.add(event)
    return event
