"""Choosing learners in a request body: a list of ids, or a filter.

Request schemas that act on many learners (assignments, reassignments,
prints) take one of ``learner_ids`` and ``all_matching``, the same two ways
the learners list selects: ticked rows, or every learner matching its
search, group and inactive filters. ``selection_of`` turns either into a
``Selection`` after checking that the learners and the group are the
organisation's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import select

from laurel.api.auth import api_org_id
from laurel.api.errors import reject
from laurel.api.schemas import JsonBoolean, RequestSchema, RowId, Text
from laurel.assignments.selection import SEARCH_MAX, Selection
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.rosters.models import Group

MAX_LEARNER_IDS = 10_000
# Ids named in one error message; the rest are counted.
IDS_SHOWN = 20


class MatchingSchema(RequestSchema):
    q = Text(
        load_default="",
        validate=[validate.Length(max=SEARCH_MAX)],
        metadata={"description": "Search in names, email and student id."},
    )
    group = RowId(strict=True, metadata={"description": "Only members of this group."})
    include_inactive = JsonBoolean(
        load_default=False, metadata={"description": "Include deactivated learners."}
    )


def learner_ids_field() -> fields.List:
    return fields.List(
        RowId(strict=True),
        validate=validate.Length(min=1, max=MAX_LEARNER_IDS),
        metadata={"description": "These learners of the organisation, by id."},
    )


def all_matching_field() -> fields.Nested:
    return fields.Nested(
        MatchingSchema,
        metadata={
            "description": "Every learner matching these filters of the learners "
            "list, resolved when the request runs; {} is every active learner."
        },
    )


def id_list(ids: Sequence[int]) -> str:
    """Write ids for a message: the first IDS_SHOWN, then how many more."""
    shown = ", ".join(str(row_id) for row_id in ids[:IDS_SHOWN])
    more = len(ids) - IDS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def learners_by_id(learner_ids: Sequence[int]) -> dict[int, bool]:
    """Map each id, sorted, to whether the learner is active; 404 for a stranger."""
    requested = sorted(set(learner_ids))
    active = dict(
        db.session.execute(
            select(User.id, User.active).where(
                User.id.in_(requested),
                User.org_id == api_org_id(),
                User.role == Role.LEARNER,
            )
        ).all()
    )
    missing = [row_id for row_id in requested if row_id not in active]
    if missing:
        reject(
            404,
            "learner_ids",
            f"learners {id_list(missing)} were not found in this organisation.",
        )
    return {row_id: active[row_id] for row_id in requested}


def check_learner_ids(learner_ids: Sequence[int]) -> list[int]:
    """Return the ids sorted: 404 for any that is not a learner of the org.

    Deactivated learners get 409, because assigning to them would spend
    credits on accounts that cannot log in.
    """
    active = learners_by_id(learner_ids)
    inactive = [row_id for row_id, is_active in active.items() if not is_active]
    if inactive:
        reject(
            409,
            "learner_ids",
            f"learners {id_list(inactive)} are deactivated; reactivate them or "
            "leave them out.",
        )
    return list(active)


def matching_selection(matching: dict[str, Any]) -> Selection:
    """Return the learners an ``all_matching`` filter selects; 404 for another
    organisation's group."""
    group_id = matching.get("group")
    if group_id is not None:
        group = db.session.get(Group, group_id)
        if group is None or group.org_id != api_org_id():
            reject(
                404,
                "all_matching.group",
                f"group {group_id} was not found in this organisation.",
            )
    return Selection(
        all_matching=True,
        search=matching["q"],
        group_id=group_id,
        include_inactive=matching["include_inactive"],
    )


def selection_of(args: dict[str, Any]) -> Selection:
    """Return the learners a checked body chose, as a ``Selection``."""
    if "learner_ids" in args:
        return Selection(user_ids=tuple(check_learner_ids(args["learner_ids"])))
    return matching_selection(args["all_matching"])
