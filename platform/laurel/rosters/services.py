"""Learners and groups of one organisation."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Select, delete, func, or_, select

from laurel import audit
from laurel.extensions import db
from laurel.identity.models import Role, User
from laurel.identity.services import ValidationError, utcnow
from laurel.rosters.models import Group, GroupMember

log = logging.getLogger(__name__)

GROUP_NAME_MAX = 100


def learners_query(
    org_id: int,
    *,
    search: str = "",
    group_id: int | None = None,
    include_inactive: bool = False,
) -> Select[tuple[User]]:
    """Select an organisation's learners, filtered as on the learners page."""
    query = select(User).where(User.org_id == org_id, User.role == Role.LEARNER)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    if search.strip():
        pattern = f"%{search.strip().casefold()}%"
        query = query.where(
            or_(
                func.lower(User.first_name).like(pattern),
                func.lower(User.last_name).like(pattern),
                User.email.like(pattern),
                func.lower(User.external_id).like(pattern),
                func.lower(User.first_name + " " + User.last_name).like(pattern),
            )
        )
    if group_id is not None:
        query = query.where(
            User.id.in_(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
        )
    return query.order_by(User.last_name, User.first_name, User.id)


def groups_with_counts(org_id: int, include_archived: bool = False) -> list[tuple[Group, int]]:
    """Return the organisation's groups with their active member counts."""
    members = (
        select(GroupMember.group_id, func.count().label("n"))
        .join(User, User.id == GroupMember.user_id)
        .where(User.active.is_(True))
        .group_by(GroupMember.group_id)
        .subquery()
    )
    query = (
        select(Group, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.group_id == Group.id)
        .where(Group.org_id == org_id)
        .order_by(Group.name)
    )
    if not include_archived:
        query = query.where(Group.archived_at.is_(None))
    return [(group, count) for group, count in db.session.execute(query)]


def active_groups(org_id: int) -> list[Group]:
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.org_id == org_id, Group.archived_at.is_(None))
            .order_by(Group.name)
        )
    )


def check_group_name(org_id: int, name: str, exclude_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("name", "Group name is missing.")
    if len(name) > GROUP_NAME_MAX:
        raise ValidationError("name", f"Group name is longer than {GROUP_NAME_MAX} characters.")
    query = select(Group.id).where(Group.org_id == org_id, Group.name == name)
    if exclude_id is not None:
        query = query.where(Group.id != exclude_id)
    if db.session.scalar(query):
        raise ValidationError("name", f"A group named {name!r} exists already.")
    return name


def create_group(org_id: int, name: str, actor_id: int | None) -> Group:
    group = Group(org_id=org_id, name=check_group_name(org_id, name))
    db.session.add(group)
    db.session.flush()
    audit.record("group.created", "group", group.id, org_id=org_id, actor_id=actor_id, name=group.name)
    return group


def rename_group(group: Group, name: str, actor_id: int | None) -> None:
    old = group.name
    group.name = check_group_name(group.org_id, name, exclude_id=group.id)
    audit.record("group.renamed", "group", group.id, org_id=group.org_id, actor_id=actor_id, old=old, new=group.name)


def set_group_archived(group: Group, archived: bool, actor_id: int | None) -> None:
    group.archived_at = utcnow() if archived else None
    action = "group.archived" if archived else "group.restored"
    audit.record(action, "group", group.id, org_id=group.org_id, actor_id=actor_id)


def add_members(group: Group, user_ids: Iterable[int], actor_id: int | None) -> int:
    """Add learners of the group's organisation; return how many were new."""
    wanted = set(user_ids)
    allowed = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(wanted), User.org_id == group.org_id, User.role == Role.LEARNER
            )
        )
    )
    present = set(
        db.session.scalars(
            select(GroupMember.user_id).where(
                GroupMember.group_id == group.id, GroupMember.user_id.in_(allowed)
            )
        )
    )
    new = sorted(allowed - present)
    db.session.add_all(GroupMember(group_id=group.id, user_id=uid) for uid in new)
    if new:
        audit.record("group.members_added", "group", group.id, org_id=group.org_id, actor_id=actor_id, user_ids=new)
    return len(new)


def remove_member(group: Group, user_id: int, actor_id: int | None) -> bool:
    result = db.session.execute(
        delete(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
    )
    if result.rowcount:
        audit.record("group.member_removed", "group", group.id, org_id=group.org_id, actor_id=actor_id, user_id=user_id)
    return bool(result.rowcount)


def groups_of(user_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return each user's active group names, in one query."""
    rows = db.session.execute(
        select(GroupMember.user_id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(list(user_ids)), Group.archived_at.is_(None))
        .order_by(Group.name)
    )
    result: dict[int, list[str]] = {}
    for user_id, name in rows:
        result.setdefault(user_id, []).append(name)
    return result
