"""Cross-organisation cases for identity and roster routes."""

from __future__ import annotations

from typing import Any

from laurel.extensions import db
from laurel.rosters import services as rosters
from tests.scoping import LISTING, PUBLIC, Route


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    learner = objects["learner"]
    group = rosters.create_group(org.id, "Secret group B", actor_id=None)
    rosters.add_members(group, [learner.id], actor_id=None)
    db.session.commit()
    objects["group"] = group


ROUTES = {
    "identity.login": Route(PUBLIC),
    "identity.logout": Route(PUBLIC),
    "identity.dashboard": Route(LISTING),
    "identity.change_password": Route(LISTING),
    "rosters.learners": Route(LISTING),
    # Platform admins see every organisation by design; other roles get 403.
    "staff.organisations": Route(LISTING),
    # An empty form, so a platform admin's POST stores nothing in B.
    "staff.organisation": Route(LISTING, kwargs=lambda b: {"org_id": b["org"].id}),
    "staff.org_staff": Route(LISTING),
    "rosters.add_learner": Route(LISTING),
    "rosters.groups": Route(LISTING),
    "rosters.learner": Route(kwargs=lambda b: {"user_id": b["learner"].id}),
    "rosters.edit_learner": Route(
        kwargs=lambda b: {"user_id": b["learner"].id},
        data=lambda b: {"first_name": "X", "last_name": "Y", "email": "x@y.org"},
    ),
    "rosters.deactivate_learner": Route(kwargs=lambda b: {"user_id": b["learner"].id}),
    "rosters.reactivate_learner": Route(kwargs=lambda b: {"user_id": b["learner"].id}),
    "rosters.reset_password": Route(kwargs=lambda b: {"user_id": b["learner"].id}),
    "rosters.group": Route(
        kwargs=lambda b: {"group_id": b["group"].id}, data=lambda b: {"name": "Taken over"}
    ),
    "rosters.archive_group": Route(
        kwargs=lambda b: {"group_id": b["group"].id}, data=lambda b: {"archive": "1"}
    ),
    "rosters.add_group_members": Route(
        kwargs=lambda b: {"group_id": b["group"].id},
        data=lambda b: {"user_id": str(b["learner"].id)},
    ),
    "rosters.remove_group_member": Route(
        kwargs=lambda b: {"group_id": b["group"].id, "user_id": b["learner"].id}
    ),
}

