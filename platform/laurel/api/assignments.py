"""/api/v1/assignments: price and confirm assignments, and read their batches.

The same two steps as the assign pages. A quote lists who gets what and
what it costs, and charges nothing. A confirm sends the choice again with
a ``request_token`` and the ``quoted_total`` it agreed to. It assigns and
charges all or nothing, and answers 409 when the price has changed. The
token is the idempotency key, so a retried confirm gets the first batch
back with 200 instead of a second charge.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from typing import Any, NoReturn

import marshmallow
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from laurel.api import make_blueprint
from laurel.api.auth import (
    api_actor_id,
    api_org_id,
    current_token,
    get_in_org_or_404,
)
from laurel.api.errors import reject
from laurel.api.schemas import (
    JsonBoolean,
    OneOfSchema,
    PageArgs,
    PageSchema,
    Text,
    UtcDateTime,
    page_of,
)
from laurel.api.selection import all_matching_field, learner_ids_field, selection_of
from laurel.assignments import services
from laurel.assignments.models import AssignmentBatch, AssignmentKind
from laurel.billing import BillingError, InsufficientCredits
from laurel.extensions import db
from laurel.identity.services import ValidationError, utcnow
from laurel.plugins.registry import enabled_suites, get_suite

log = logging.getLogger(__name__)

blp = make_blueprint(
    "assignments",
    "/assignments",
    "Assigning suites and units to learners: quote, confirm, batches.",
)

BATCH_ID = "<int(min=1, max=2147483647):batch_id>"
ACTIONS = ("assign", "reassign")
# parse_choice's field names, as this API spells them.
CHOICE_FIELDS = {"units": "unit_keys"}


def suite_field() -> Text:
    return Text(
        required=True,
        validate=[validate.Length(min=1, max=64)],
        metadata={"description": "A suite key, such as workplace_readiness."},
    )


def check_request_token(value: str) -> None:
    # A whole match: "$" in a pattern would let a final line break through.
    if not services.TOKEN_PATTERN.fullmatch(value):
        raise marshmallow.ValidationError(
            "Must be 16 to 64 letters, digits, '-' or '_'."
        )


def request_token_field() -> fields.String:
    return fields.String(
        required=True,
        validate=check_request_token,
        metadata={
            "pattern": f"^{services.TOKEN_PATTERN.pattern}$",
            "description": "16 to 64 letters, digits, '-' or '_', new for each "
            "request: the quote returns one. Sending the same token again returns "
            "the first batch instead of charging twice.",
        },
    )


def quoted_total_field() -> fields.Integer:
    return fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=2**31 - 1),
        metadata={
            "description": "The quote's total in credits; when given, the request "
            "is refused with 409 if the price has changed since."
        },
    )


class AssignChoiceSchema(OneOfSchema):
    ONE_OF = ("learner_ids", "all_matching")

    suite = suite_field()
    kind = fields.String(
        validate=validate.OneOf([kind.value for kind in AssignmentKind]),
        metadata={
            "description": "subscription (every unit for a term) or units (bought "
            "one by one); default: the subscription when the suite has one."
        },
    )
    unit_keys = fields.List(
        Text(validate=[validate.Length(min=1, max=64)]),
        validate=validate.Length(max=200),
        load_default=list,
        metadata={"description": "The units to assign, for kind units."},
    )
    auto_reassign = JsonBoolean(
        metadata={
            "description": "Reassign a failed skill-building unit once on its own; "
            "default: the suite's subscription setting."
        }
    )
    learner_ids = learner_ids_field()
    all_matching = all_matching_field()


class ConfirmFields(Schema):
    """The fields a confirm adds to the body of its quote."""

    request_token = request_token_field()
    quoted_total = quoted_total_field()


class AssignConfirmSchema(AssignChoiceSchema, ConfirmFields):
    pass


class QuoteItemSchema(Schema):
    label = fields.String(required=True)
    count = fields.Integer(required=True)
    credits_each = fields.Integer(required=True)
    credits = fields.Integer(required=True)


class PlannedLearnerSchema(Schema):
    learner_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit_keys = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The units the learner gets that they lack."},
    )
    credits = fields.Integer(required=True)


class SkippedSchema(Schema):
    learner_id = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(metadata={"description": "Reassignments: the unit's title."})
    reason = fields.String(required=True)


class PriceSchema(Schema):
    items = fields.List(fields.Nested(QuoteItemSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "In credits."})
    balance = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "Null when no billing plugin is installed."},
    )
    short = fields.Integer(
        required=True, metadata={"description": "Credits missing to confirm."}
    )
    billing = fields.Boolean(required=True)
    request_token = fields.String(
        required=True, metadata={"description": "A new token for the confirm."}
    )


class AssignQuoteSchema(PriceSchema):
    suite = fields.String(required=True)
    kind = fields.String(required=True)
    unit_keys = fields.List(fields.String(), required=True)
    auto_reassign = fields.Boolean(required=True)
    learners = fields.List(fields.Nested(PlannedLearnerSchema), required=True)
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)


class BatchSchema(Schema):
    id = fields.Integer(required=True)
    action = fields.String(
        required=True, metadata={"description": "assign or reassign"}
    )
    suite_key = fields.String(required=True)
    kind = fields.String(required=True, allow_none=True)
    unit_keys = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(required=True)
    created_by_id = fields.Integer(required=True, allow_none=True)
    learner_count = fields.Integer(
        required=True, metadata={"description": "Learners the request named."}
    )
    changed_count = fields.Integer(
        required=True,
        metadata={"description": "Learners assigned, or units reassigned."},
    )
    credits_charged = fields.Integer(required=True)
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)


class BatchPageSchema(PageSchema):
    items = fields.List(fields.Nested(BatchSchema), required=True)


class BatchQuerySchema(PageArgs):
    action = fields.String(validate=validate.OneOf(ACTIONS))
    suite = Text(
        validate=[validate.Length(max=64)],
        metadata={"description": "Only batches of this suite key."},
    )


# Reading the choice


def read_choice(args: dict[str, Any]) -> services.AssignChoice:
    """Check the suite, kind and units; 404 for unknown ones, 409 for a misfit."""
    suite_key = args["suite"]
    suite = get_suite(suite_key)
    if suite is None:
        reject(404, "suite", f"suite {suite_key!r} is not installed.")
    if suite.key not in {enabled.key for enabled in enabled_suites()}:
        reject(
            409,
            "suite",
            f"suite {suite_key!r} is disabled; a platform admin can enable it.",
        )
    subscription = suite.pricing.subscription
    kind = args.get("kind") or ("subscription" if subscription else "units")
    auto = args.get("auto_reassign", bool(subscription and subscription.auto_reassign))
    unknown = [key for key in args["unit_keys"] if suite.unit(key) is None]
    if unknown:
        reject(404, "unit_keys", f"{suite.title} has no units {unknown}.")
    try:
        return services.parse_choice([suite], suite.key, kind, args["unit_keys"], auto)
    except ValidationError as error:
        status = 409 if error.field == "kind" else 422
        reject(status, CHOICE_FIELDS.get(error.field, error.field), error.message)


# Output


def price_data(
    org_id: int, lines: list[dict[str, Any]], items: list[services.QuoteItem]
) -> dict[str, Any]:
    quote = services.make_quote(org_id, lines, items)
    return {
        "items": [
            {
                "label": item.label,
                "count": item.count,
                "credits_each": item.credits_each,
                "credits": item.credits,
            }
            for item in quote.items
        ],
        "total": quote.total,
        "balance": quote.balance,
        "short": quote.short,
        "billing": quote.billing,
        "request_token": services.new_request_token(),
    }


def quote_data(plan: services.AssignPlan) -> dict[str, Any]:
    choice = plan.choice
    credits = Counter[int]()
    for line in plan.lines:
        credits[line["learner_id"]] += line["credits"]
    return {
        **price_data(api_org_id(), plan.lines, plan.items),
        "suite": choice.suite.key,
        "kind": choice.kind.value,
        "unit_keys": [unit.key for unit in choice.units()],
        "auto_reassign": choice.auto_reassign,
        "learners": [
            {
                "learner_id": learner.learner_id,
                "name": learner.name,
                "unit_keys": [unit.key for unit in learner.units],
                "credits": credits[learner.learner_id],
            }
            for learner in plan.learners
        ],
        "skipped": plan.skipped,
    }


def batch_data(batch: AssignmentBatch) -> dict[str, Any]:
    names = (
        "id",
        "action",
        "suite_key",
        "unit_keys",
        "created_at",
        "created_by_id",
        "learner_count",
        "changed_count",
        "credits_charged",
        "skipped",
    )
    data = {name: getattr(batch, name) for name in names}
    data["kind"] = batch.kind.value if batch.kind else None
    return data


def batches_query(args: dict[str, Any]) -> Select[tuple[AssignmentBatch]]:
    query = select(AssignmentBatch).where(AssignmentBatch.org_id == api_org_id())
    if "action" in args:
        query = query.where(AssignmentBatch.action == args["action"])
    if "suite" in args:
        query = query.where(AssignmentBatch.suite_key == args["suite"])
    return query.order_by(AssignmentBatch.created_at.desc(), AssignmentBatch.id.desc())


# Confirming


def request_hash(action: str, args: dict[str, Any]) -> str:
    """Return a hash of a confirm's request: its body without token and price."""
    requested = {
        name: value
        for name, value in args.items()
        if name not in ("request_token", "quoted_total")
    }
    text = json.dumps([action, requested], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_batch(token: str) -> AssignmentBatch | None:
    """Return the batch a token already confirmed; 409 if another org's.

    Looked up before the request is checked again, so a retry gets its
    first batch even when a learner or the suite has changed since.
    """
    batch = db.session.scalar(
        select(AssignmentBatch).where(AssignmentBatch.request_token == token)
    )
    if batch is not None and batch.org_id != api_org_id():
        reject(
            409,
            "request_token",
            "This token is already used; send a new token for a new request.",
        )
    return batch


def replayed(
    batch: AssignmentBatch, action: str, args: dict[str, Any]
) -> dict[str, Any]:
    """Return the batch a repeated token names: 409 if it was another request."""
    if batch.action != action or batch.request_hash != request_hash(action, args):
        reject(
            409,
            "request_token",
            f"This token was used for batch {batch.id}, another request; send a "
            "new token for a new request.",
        )
    return batch_data(batch)


def confirm_failed(error: Exception) -> NoReturn:
    """Roll back a failed confirm, log it and abort with 409 and what to do."""
    db.session.rollback()
    log.info("confirm with API token %s failed: %s", current_token().id, error)
    if isinstance(error, services.QuoteChanged):
        reject(409, "quoted_total", str(error))
    if isinstance(error, InsufficientCredits):
        abort(
            409,
            message=f"Nothing was changed: {error} The quote shows the price.",
        )
    if isinstance(error, IntegrityError):
        abort(
            409,
            message="Nothing was changed: another request changed the same "
            "learners at the same moment, or used this request_token. Get a new "
            "quote and confirm again.",
        )
    abort(409, message=f"Nothing was changed: {error}")


@blp.route("/quote", methods=["POST"])
@blp.arguments(AssignChoiceSchema)
@blp.response(200, AssignQuoteSchema)
def quote(args: dict[str, Any]) -> dict[str, Any]:
    """Price an assignment without changing anything."""
    choice = read_choice(args)
    selection = selection_of(args)
    plan = services.plan_assignment(api_org_id(), choice, selection, utcnow())
    return quote_data(plan)


@blp.route("")
class Assignments(MethodView):
    @blp.arguments(AssignConfirmSchema)
    @blp.response(201, BatchSchema, description="Assigned and charged.")
    @blp.alt_response(200, schema=BatchSchema, description="The token's first batch.")
    def post(self, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Assign and charge, all or nothing; 409 when it cannot be done as quoted."""
        earlier = earlier_batch(args["request_token"])
        if earlier is not None:
            return replayed(earlier, "assign", args), 200
        choice = read_choice(args)
        selection = selection_of(args)
        try:
            batch = services.assign(
                api_org_id(),
                api_actor_id(),
                choice,
                selection,
                args["request_token"],
                args.get("quoted_total"),
                request_hash=request_hash("assign", args),
            )
            db.session.commit()
        except services.AlreadyConfirmed as replay:
            return replayed(replay.batch, "assign", args), 200
        except (services.AssignmentError, BillingError, IntegrityError) as error:
            confirm_failed(error)
        return batch_data(batch), 201


@blp.route("/batches")
class Batches(MethodView):
    @blp.arguments(BatchQuerySchema, location="query")
    @blp.response(200, BatchPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List assign and reassign batches, newest first."""
        page = page_of(batches_query(args), args)
        page["items"] = [batch_data(batch) for batch in page["items"]]
        return page


@blp.route(f"/batches/{BATCH_ID}")
@blp.response(200, BatchSchema)
def batch(batch_id: int) -> dict[str, Any]:
    """Read one batch: who was assigned, who was skipped and why, what it cost."""
    return batch_data(get_in_org_or_404(AssignmentBatch, batch_id, "batch"))
