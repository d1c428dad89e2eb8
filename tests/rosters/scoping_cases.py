"""Cross-organisation cases for the roster import wizard."""

from __future__ import annotations

from typing import Any

from laurel.extensions import db
from laurel.rosters import import_storage
from laurel.rosters.import_models import RosterImport, new_import_token

from tests.scoping import LISTING, Route

B_ROSTER = "First name,Last name,Email\nSecret,Learner,secret.import@org-b.example\n"


def build_objects(org: Any, make_user: Any, objects: dict[str, Any]) -> None:
    """Give organisation B an upload, by its instructor, with a login sheet."""
    roster_import = RosterImport(
        token=new_import_token(),
        org_id=org.id,
        created_by=objects["instructor"].id,
        filename="b-roster.csv",
        size_bytes=len(B_ROSTER),
    )
    db.session.add(roster_import)
    db.session.commit()
    import_storage.save_upload(roster_import.token, B_ROSTER.encode())
    import_storage.save_login_sheet(
        roster_import.token, "Last name,Password\nB,secret\n"
    )
    objects["roster_import"] = roster_import


def token_of_b(b: dict[str, Any]) -> dict[str, Any]:
    return {"token": b["roster_import"].token}


ROUTES = {
    "rosters_import.upload": Route(LISTING),
    "rosters_import.preview": Route(kwargs=token_of_b),
    "rosters_import.commit": Route(
        kwargs=token_of_b, data=lambda b: {"mode": "add", "choice": "all"}
    ),
    "rosters_import.result": Route(kwargs=token_of_b),
    "rosters_import.login_sheet": Route(kwargs=token_of_b),
    "rosters_import.discard": Route(kwargs=token_of_b),
}
