"""A demo organisation with staff, learners and two classes."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Organisation, Role, User
from laurel.rosters import services as rosters

log = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_NAME = "Riverside Demo College"
LOGINS_FILE = "demo-logins.json"

STAFF = [
    ("admin@laurel.example", "Pat", "Okafor", Role.PLATFORM_ADMIN),
    ("orgadmin@demo.example", "Morgan", "Reyes", Role.ORG_ADMIN),
    ("instructor@demo.example", "Dana", "Whitfield", Role.INSTRUCTOR),
]
LEARNERS = [
    ("zoe.martin@demo.example", "Zoë", "Martin", "Class A"),
    ("liam.obrien@demo.example", "Liam", "O'Brien-Walsh", "Class A"),
    ("hoa.nguyen@demo.example", "Thị Hoa", "Nguyễn", "Class A"),
    ("minjun.kim@demo.example", "민준", "김", "Class B"),
    ("amira.haddad@demo.example", "أميرة", "حداد", "Class B"),
    ("wei.chen@demo.example", "伟", "陈", "Class B"),
]


@dataclass
class DemoLogin:
    role: str
    email: str
    password: str


def seed_demo(instance_path: Path) -> list[DemoLogin]:
    """Create the demo organisation once; return the demo logins.

    Passwords are generated on the first run and kept in the instance folder
    (mode 0600), so every later run can print them again.
    """
    logins_path = instance_path / LOGINS_FILE
    existing = db.session.scalar(
        select(Organisation).where(Organisation.slug == DEMO_SLUG)
    )
    if existing is not None and logins_path.exists():
        return [DemoLogin(**entry) for entry in json.loads(logins_path.read_text())]
    if existing is not None:
        raise RuntimeError(
            f"organisation {DEMO_SLUG!r} exists but {logins_path} is missing; "
            "reset passwords with `laurel user set-password EMAIL`."
        )
    org = identity.create_organisation(DEMO_SLUG, DEMO_NAME)
    logins = [create_staff(org, *person) for person in STAFF]
    groups = {
        name: rosters.create_group(org.id, name, actor_id=None)
        for name in ("Class A", "Class B")
    }
    for email, first, last, group_name in LEARNERS:
        logins.append(create_learner(org, email, first, last, groups[group_name]))
    db.session.commit()
    write_logins(logins_path, logins)
    log.info("demo organisation %s created with %d accounts", DEMO_SLUG, len(logins))
    return logins


def create_staff(
    org: Organisation, email: str, first: str, last: str, role: Role
) -> DemoLogin:
    account = identity.create_user(
        email=email,
        first_name=first,
        last_name=last,
        role=role,
        org=None if role is Role.PLATFORM_ADMIN else org,
    )
    return DemoLogin(role.label, account.user.email, account.generated_password or "")


def create_learner(
    org: Organisation, email: str, first: str, last: str, group
) -> DemoLogin:  # noqa: ANN001
    account = identity.create_user(
        email=email, first_name=first, last_name=last, role=Role.LEARNER, org=org
    )
    rosters.add_members(group, [account.user.id], actor_id=None)
    return DemoLogin("learner", account.user.email, account.generated_password or "")


def write_logins(path: Path, logins: list[DemoLogin]) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(
            [login.__dict__ for login in logins], handle, ensure_ascii=False, indent=2
        )


def demo_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))
