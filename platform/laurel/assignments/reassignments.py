"""Reassigning failed units and unassigning units bought on their own.

Both run in the caller's transaction and never commit. A reassignment is
planned first (free under a subscription, the suite's reassign price
otherwise, rejected past the organisation's cap or the subscription's
term), then applied with one guarded UPDATE for every unit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import contains_eager

from laurel.assignments.models import (
    AssignmentBatch,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.assignments.selection import Selection
from laurel.assignments.services import (
    AssignmentError,
    QuoteChanged,
    QuoteItem,
    audit_row,
    billing_line,
    bulk_audit,
    charge,
    claim_batch,
    group_items,
    learner_names,
    matched_rows,
)
from laurel.extensions import db
from laurel.identity.models import Organisation, User
from laurel.identity.services import utcnow
from laurel.plugins.registry import hooks
from laurel.plugins.suites import Suite

log = logging.getLogger(__name__)


@dataclass
class ReassignPlan:
    suite: Suite
    cap: int
    # (unit assignment, learner name, unit title, credits)
    items: list[tuple[UnitAssignment, str, str, int]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line["credits"] for line in self.lines)

    @property
    def quote_items(self) -> list[QuoteItem]:
        return group_items(
            [
                (reassign_label(self.suite, ua, credits), credits)
                for ua, _, _, credits in self.items
            ]
        )


def reassign_label(suite: Suite, ua: UnitAssignment, credits: int) -> str:
    unit = suite.unit(ua.unit_key)
    title = unit.title if unit else ua.unit_key
    return f"Reassign {title}" + ("" if credits else " (free)")


def failed_units_query(org_id: int, suite_key: str) -> Select[Any]:
    return (
        select(UnitAssignment)
        .join(UnitAssignment.suite_assignment)
        .options(contains_eager(UnitAssignment.suite_assignment))
        .where(UnitAssignment.org_id == org_id, UnitAssignment.suite_key == suite_key)
        .order_by(UnitAssignment.learner_id, UnitAssignment.position)
    )


def reassign_targets(
    org_id: int,
    suite: Suite,
    unit_assignment_ids: list[int] | None = None,
    selection: Selection | None = None,
) -> list[UnitAssignment]:
    """Load the units to reassign: given ids, or every failed unit of a selection."""
    query = failed_units_query(org_id, suite.key)
    if unit_assignment_ids is not None:
        query = query.where(UnitAssignment.id.in_(unit_assignment_ids))
    elif selection is None:
        raise ValueError("pass unit_assignment_ids or a selection")
    else:
        query = query.where(
            UnitAssignment.status == UnitStatus.FAILED,
            UnitAssignment.learner_id.in_(selection.learner_ids(org_id)),
        )
    return list(db.session.scalars(query).unique())


def plan_reassignment(
    org: Organisation, suite: Suite, targets: list[UnitAssignment], now: datetime
) -> ReassignPlan:
    """Price each failed unit, rejecting those past the cap or the term."""
    plan = ReassignPlan(suite, org.extra_attempt_cap)
    names = dict(
        learner_names(
            select(User.id).where(User.id.in_({ua.learner_id for ua in targets}))
        )
    )
    for ua in targets:
        name = names.get(ua.learner_id, "?")
        unit = suite.unit(ua.unit_key)
        title = unit.title if unit else ua.unit_key
        reason = rejection_reason(ua, plan.cap, now)
        if reason:
            plan.rejected.append(
                {
                    "learner_id": ua.learner_id,
                    "name": name,
                    "unit": title,
                    "reason": reason,
                }
            )
            continue
        credits = (
            0 if ua.suite_assignment.is_subscription else suite.pricing.reassign_credits
        )
        plan.items.append((ua, name, title, credits))
        if credits:
            plan.lines.append(
                billing_line("reassignment", suite, ua.unit_key, ua.learner_id, credits)
            )
    return plan


def rejection_reason(ua: UnitAssignment, cap: int, now: datetime) -> str | None:
    """Return why ``ua`` cannot be reassigned now, or None when it can."""
    if ua.status is not UnitStatus.FAILED:
        return f"is {ua.status.label}; only failed units are reassigned"
    sa = ua.suite_assignment
    if sa.expired(now):
        return (
            f"the subscription ended on {sa.ends_on}, so no new "
            "attempts can start; assign the subscription again to renew it"
        )
    if ua.extra_attempts >= cap:
        return (
            f"has had {ua.extra_attempts} extra attempts, the organisation's cap "
            f"of {cap}; an org admin can raise the cap on the policy page"
        )
    return None


def reassign(
    org: Organisation,
    actor_id: int | None,
    suite: Suite,
    targets: list[UnitAssignment],
    token: str,
    quoted_total: int | None,
    now: datetime | None = None,
    request_hash: str | None = None,
) -> AssignmentBatch:
    """Give each failed target one more attempt and charge for it once.

    Raises AssignmentError when nothing can be reassigned or a unit changed
    meanwhile, and the same errors as ``assign`` otherwise.
    """
    now = now or utcnow()
    batch = claim_batch(org.id, token, "reassign", suite.key, actor_id, request_hash)
    plan = plan_reassignment(org, suite, targets, now)
    if not plan.items:
        reasons = "; ".join(
            f"{r['name']}, {r['unit']}: {r['reason']}" for r in plan.rejected
        )
        raise AssignmentError(
            f"Nothing can be reassigned. {reasons or 'No failed units.'}"
        )
    if quoted_total is not None and plan.total != quoted_total:
        raise QuoteChanged(quoted_total, plan.total)
    charged = charge(
        org.id, plan.lines, token, actor_id, f"Reassigned {len(plan.items)} units"
    )
    mark_reassigned(org.id, plan, actor_id, now)
    bulk_audit(
        [
            audit_row(
                "unit.reassigned",
                "unit_assignment",
                ua.id,
                org.id,
                actor_id,
                suite=suite.key,
                unit=ua.unit_key,
                learner_id=ua.learner_id,
                credits=credits,
                automatic=False,
                batch=batch.id,
            )
            for ua, _, _, credits in plan.items
        ]
    )
    batch.learner_count = len({ua.learner_id for ua in targets})
    batch.changed_count = len(plan.items)
    batch.credits_charged = charged
    batch.unit_keys = sorted({ua.unit_key for ua, *_ in plan.items})
    batch.skipped = plan.rejected
    log.info(
        "reassign batch %s: %d units, %d rejected, %d credits by user %s",
        batch.id,
        len(plan.items),
        len(plan.rejected),
        charged,
        actor_id,
    )
    return batch


def mark_reassigned(
    org_id: int, plan: ReassignPlan, actor_id: int | None, now: datetime
) -> None:
    """Add one attempt to every planned unit with one guarded UPDATE."""
    ids = [ua.id for ua, *_ in plan.items]
    result = db.session.execute(
        update(UnitAssignment)
        .where(
            UnitAssignment.org_id == org_id,
            UnitAssignment.id.in_(ids),
            UnitAssignment.status == UnitStatus.FAILED,
            UnitAssignment.extra_attempts < plan.cap,
        )
        .values(
            status=UnitStatus.REASSIGNED,
            attempts_allowed=UnitAssignment.attempts_allowed + 1,
            extra_attempts=UnitAssignment.extra_attempts + 1,
            reassigned_by_id=actor_id,
            reassigned_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if matched_rows(result) != len(ids):
        raise AssignmentError(
            "Some of these units changed while the request ran (another "
            "reassignment or attempt). Nothing was reassigned; check the quote again."
        )
    for ua, *_ in plan.items:
        db.session.expire(ua)


# Unassigning


def refund_key(ua: UnitAssignment) -> str:
    """Return the refund's idempotency key, derived from the purchase.

    The credits plugin replays a refund whose key it has seen, so unassigning
    the same purchase twice refunds it once.
    """
    purchase = f"{ua.charge_key}:{ua.learner_id}:{ua.suite_key}:{ua.unit_key}"
    return "unassign:" + hashlib.sha256(purchase.encode()).hexdigest()[:40]


def unassign_unit(ua: UnitAssignment, actor_id: int | None) -> int:
    """Remove a unit bought on its own before it started; return credits refunded."""
    sa = ua.suite_assignment
    if sa.is_subscription:
        raise AssignmentError(
            "This unit is part of a subscription, which is not refundable, so it "
            "cannot be unassigned."
        )
    if ua.status is not UnitStatus.NOT_STARTED or ua.attempts_used:
        raise AssignmentError(
            f"The learner has already {ua.status.label.replace('_', ' ')} this unit; "
            "only units not yet started can be unassigned."
        )
    snapshot = (
        ua.id,
        ua.org_id,
        ua.learner_id,
        ua.suite_key,
        ua.unit_key,
        ua.paid_credits,
    )
    key = refund_key(ua)
    result = db.session.execute(
        delete(UnitAssignment).where(
            UnitAssignment.id == ua.id,
            UnitAssignment.status == UnitStatus.NOT_STARTED,
            UnitAssignment.attempts_used == 0,
        )
    )
    if matched_rows(result) != 1:
        raise AssignmentError(
            "The unit was started or unassigned meanwhile; nothing changed."
        )
    return finish_unassign(sa, snapshot, key, actor_id)


def finish_unassign(
    sa: SuiteAssignment,
    snapshot: tuple[int, int, int, str, str, int],
    key: str,
    actor_id: int | None,
) -> int:
    ua_id, org_id, learner_id, suite_key, unit_key, paid = snapshot
    refunded = 0
    if paid:
        line = {
            "kind": "unit",
            "suite": suite_key,
            "unit": unit_key,
            "learner_id": learner_id,
            "credits": paid,
        }
        result = hooks().laurel_refund(
            org_id=org_id,
            lines=[line],
            idempotency_key=key,
            actor_id=actor_id,
            reason=f"Unassigned unit {unit_key} before it started",
        )
        refunded = 0 if result is None else int(result["refunded"])
    bulk_audit(
        [
            audit_row(
                "unit.unassigned",
                "unit_assignment",
                ua_id,
                org_id,
                actor_id,
                suite=suite_key,
                unit=unit_key,
                learner_id=learner_id,
                refunded=refunded,
            )
        ]
    )
    remaining = db.session.scalar(
        select(func.count()).where(UnitAssignment.suite_assignment_id == sa.id)
    )
    if not remaining:
        db.session.delete(sa)
    log.info(
        "unit %s of learner %s unassigned, %d refunded, by user %s",
        unit_key,
        learner_id,
        refunded,
        actor_id,
    )
    return refunded
