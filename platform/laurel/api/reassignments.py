"""/api/v1/reassignments: give failed units another attempt, quoted then confirmed.

These are the steps of the reassign pages, and of /api/v1/assignments. A
quote prices each failed unit: free under a subscription, the suite's
reassign price otherwise. It lists the units that cannot be reassigned,
with the reason. A confirm with a ``request_token`` reassigns and charges
once.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from laurel.api import make_blueprint
from laurel.api.assignments import (
    BatchSchema,
    ConfirmFields,
    PriceSchema,
    SkippedSchema,
    batch_data,
    confirm_failed,
    earlier_batch,
    price_data,
    replayed,
    request_hash,
    suite_field,
)
from laurel.api.auth import api_actor_id, api_org_id
from laurel.api.errors import reject
from laurel.api.schemas import OneOfSchema, RowId
from laurel.api.selection import (
    all_matching_field,
    id_list,
    learner_ids_field,
    selection_of,
)
from laurel.assignments import reassignments, services
from laurel.assignments.models import UnitAssignment
from laurel.billing import BillingError
from laurel.extensions import db
from laurel.identity.models import Organisation, User
from laurel.identity.services import utcnow
from laurel.plugins.registry import get_suite
from laurel.plugins.suites import Suite

blp = make_blueprint(
    "reassignments",
    "/reassignments",
    "Reassigning failed units: quote, then confirm.",
)

MAX_UNIT_IDS = 10_000


class ReassignChoiceSchema(OneOfSchema):
    ONE_OF = ("unit_assignment_ids", "learner_ids", "all_matching")

    suite = suite_field()
    unit_assignment_ids = fields.List(
        RowId(strict=True),
        validate=validate.Length(min=1, max=MAX_UNIT_IDS),
        metadata={
            "description": "These units, by the ids that learner progress "
            "lists; each must be a failed unit of the suite."
        },
    )
    learner_ids = learner_ids_field()
    all_matching = all_matching_field()


class ReassignConfirmSchema(ReassignChoiceSchema, ConfirmFields):
    pass


class PlannedUnitSchema(Schema):
    unit_assignment_id = fields.Integer(required=True)
    learner_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit_key = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "The unit's title."})
    credits = fields.Integer(required=True)


class ReassignQuoteSchema(PriceSchema):
    suite = fields.String(required=True)
    units = fields.List(fields.Nested(PlannedUnitSchema), required=True)
    rejected = fields.List(
        fields.Nested(SkippedSchema),
        required=True,
        metadata={"description": "Units that cannot be reassigned, with why."},
    )


def suite_or_404(suite_key: str) -> Suite:
    # NOTE: a disabled suite's units are still reassigned, as on the web
    # pages; only new assignments check that the suite is enabled.
    suite = get_suite(suite_key)
    if suite is None:
        reject(404, "suite", f"suite {suite_key!r} is not installed.")
    return suite


def targets_of(suite: Suite, args: dict[str, Any]) -> list[UnitAssignment]:
    """Load the units a checked body names, or every failed unit of its learners."""
    org_id = api_org_id()
    if "unit_assignment_ids" not in args:
        return reassignments.reassign_targets(
            org_id, suite, selection=selection_of(args)
        )
    requested = sorted(set(args["unit_assignment_ids"]))
    rows = db.session.execute(
        select(UnitAssignment.id, UnitAssignment.suite_key, User.active)
        .join(User, User.id == UnitAssignment.learner_id)
        .where(UnitAssignment.id.in_(requested), UnitAssignment.org_id == org_id)
    ).all()
    found = {row.id: row for row in rows}

    missing = [row_id for row_id in requested if row_id not in found]
    if missing:
        reject(
            404,
            "unit_assignment_ids",
            f"unit assignments {id_list(missing)} were not found in this organisation.",
        )

    inactive = [row_id for row_id in requested if not found[row_id].active]
    if inactive:
        reject(
            409,
            "unit_assignment_ids",
            f"unit assignments {id_list(inactive)} belong to deactivated learners; "
            "reactivate them or leave these units out.",
        )

    other = [row_id for row_id in requested if found[row_id].suite_key != suite.key]
    if other:
        reject(
            409,
            "unit_assignment_ids",
            f"unit assignments {id_list(other)} are not units of {suite.key!r}; "
            "reassign each suite's units in its own request.",
        )

    return reassignments.reassign_targets(org_id, suite, unit_assignment_ids=requested)


def quote_data(plan: reassignments.ReassignPlan) -> dict[str, Any]:
    return {
        **price_data(api_org_id(), plan.lines, plan.quote_items),
        "suite": plan.suite.key,
        "units": [
            {
                "unit_assignment_id": ua.id,
                "learner_id": ua.learner_id,
                "name": name,
                "unit_key": ua.unit_key,
                "unit": title,
                "credits": credits,
            }
            for ua, name, title, credits in plan.items
        ],
        "rejected": plan.rejected,
    }


@blp.route("/quote", methods=["POST"])
@blp.arguments(ReassignChoiceSchema)
@blp.response(200, ReassignQuoteSchema)
def quote(args: dict[str, Any]) -> dict[str, Any]:
    """Price a reassignment without changing anything."""
    suite = suite_or_404(args["suite"])
    org = db.session.get(Organisation, api_org_id())
    plan = reassignments.plan_reassignment(
        org, suite, targets_of(suite, args), utcnow()
    )
    return quote_data(plan)


@blp.route("")
class Reassignments(MethodView):
    @blp.arguments(ReassignConfirmSchema)
    @blp.response(201, BatchSchema, description="Reassigned and charged.")
    @blp.alt_response(200, schema=BatchSchema, description="The token's first batch.")
    def post(self, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Reassign and charge once; 409 when nothing can be reassigned as quoted."""
        earlier = earlier_batch(args["request_token"])
        if earlier is not None:
            return replayed(earlier, "reassign", args), 200
        suite = suite_or_404(args["suite"])
        targets = targets_of(suite, args)
        org = db.session.get(Organisation, api_org_id())
        try:
            batch = reassignments.reassign(
                org,
                api_actor_id(),
                suite,
                targets,
                args["request_token"],
                args.get("quoted_total"),
                request_hash=request_hash("reassign", args),
            )
            db.session.commit()
        except services.AlreadyConfirmed as replay:
            return replayed(replay.batch, "reassign", args), 200
        except (services.AssignmentError, BillingError, IntegrityError) as error:
            confirm_failed(error)
        return batch_data(batch), 201
