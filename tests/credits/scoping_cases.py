"""Cross-organisation cases for the credits pages.

Organisation B gets credits and a charge for its hidden learner, whose
email the usage report would show if it leaked. The platform admin pages
take any organisation's id by design, so they are listings here: the
checks are that nothing leaks B's learner and that a POST without a valid
form changes nothing.
"""

from __future__ import annotations

from typing import Any

from laurel.extensions import db
from laurel_credits import services

from tests.credits.helpers import line
from tests.scoping import LISTING, PUBLIC, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    purchase = services.purchase(org.id, 10, "INV-B", None, "scoping-purchase")
    services.charge(
        org.id, [line(objects["learner"], credits=2)], "scoping-charge", None, "assign"
    )
    db.session.commit()
    objects["credit_entry"] = purchase.entry


def b_org(b: dict[str, Any]) -> dict[str, Any]:
    return {"org_id": b["org"].id}


ROUTES = {
    "credits.static": Route(PUBLIC, kwargs=lambda b: {"filename": "credits.css"}),
    "credits.overview": Route(LISTING),
    "credits.set_threshold": Route(LISTING, data=lambda b: {"threshold": "5"}),
    "credits.usage": Route(LISTING),
    "credits.usage_export": Route(LISTING, kwargs=lambda b: {"fmt": "csv"}),
    "credits.history_export": Route(LISTING, kwargs=lambda b: {"fmt": "csv"}),
    "credits.admin_organisations": Route(LISTING),
    "credits.admin_organisation": Route(LISTING, kwargs=b_org),
    "credits.record_purchase": Route(LISTING, kwargs=b_org),
    "credits.record_correction": Route(LISTING, kwargs=b_org),
    "credits.reverse_entry": Route(
        LISTING,
        kwargs=lambda b: {"org_id": b["org"].id, "entry_id": b["credit_entry"].id},
    ),
}
