"""/api/v1/credits: the organisation's credit balance, from the billing plugin."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from laurel.api import make_blueprint
from laurel.api.auth import api_org_id
from laurel.plugins.registry import hooks

blp = make_blueprint("credits", "/credits", "The organisation's credits.")


class BalanceSchema(Schema):
    balance = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "Whole credits; null when no billing plugin is installed."
        },
    )
    billing = fields.Boolean(
        required=True,
        metadata={"description": "Whether a billing plugin charges for assignments."},
    )


@blp.route("/balance")
@blp.response(200, BalanceSchema)
def balance() -> dict[str, Any]:
    """Read the credit balance that assignments are charged against."""
    credits = hooks().laurel_balance(org_id=api_org_id())
    return {"balance": credits, "billing": credits is not None}
