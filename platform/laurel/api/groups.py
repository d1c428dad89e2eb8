"""/api/v1/groups: list with member counts, create, rename, archive, members."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from laurel.api import make_blueprint
from laurel.api.auth import api_actor_id, api_org_id, get_in_org_or_404
from laurel.api.errors import reject
from laurel.api.learners import (
    LEARNER_ID,
    LearnerPageSchema,
    learner_or_404,
    learners_data,
)
from laurel.api.schemas import (
    NOT_BLANK,
    NOT_BLANK_ERROR,
    PageArgs,
    PageSchema,
    RequestSchema,
    RowId,
    Text,
    UtcDateTime,
    page_dict,
    page_of,
)
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Role, User
from laurel.rosters import services as rosters
from laurel.rosters.models import Group, GroupMember

blp = make_blueprint(
    "groups", "/groups", "Groups of learners in the token's organisation."
)

GROUP_ID = "<int(min=1, max=2147483647):group_id>"
MAX_MEMBERS_PER_CALL = 1000


class GroupSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    member_count = fields.Integer(
        required=True, metadata={"description": "Active learners in the group."}
    )
    archived = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    archived_at = UtcDateTime(required=True, allow_none=True)


class GroupPageSchema(PageSchema):
    items = fields.List(fields.Nested(GroupSchema), required=True)


class GroupQuerySchema(PageArgs):
    include_archived = fields.Boolean(
        load_default=False, metadata={"description": "Include archived groups."}
    )


class MemberQuerySchema(PageArgs):
    include_inactive = fields.Boolean(
        load_default=False, metadata={"description": "Include deactivated learners."}
    )


class GroupNameSchema(RequestSchema):
    name = Text(
        required=True,
        pattern=NOT_BLANK,
        pattern_error=NOT_BLANK_ERROR,
        validate=[validate.Length(min=1, max=rosters.GROUP_NAME_MAX)],
        metadata={"description": "Unique in the organisation."},
    )


class MembersSchema(RequestSchema):
    learner_ids = fields.List(
        RowId(strict=True),
        required=True,
        validate=validate.Length(min=1, max=MAX_MEMBERS_PER_CALL),
    )


class AddedSchema(Schema):
    added = fields.Integer(
        required=True, metadata={"description": "Learners who were not members before."}
    )


def group_data(group: Group, member_count: int) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "member_count": member_count,
        "archived": group.archived,
        "created_at": group.created_at,
        "archived_at": group.archived_at,
    }


def member_count(group: Group) -> int:
    query = (
        select(func.count())
        .select_from(GroupMember)
        .join(User, User.id == GroupMember.user_id)
        .where(GroupMember.group_id == group.id, User.active.is_(True))
    )
    return db.session.scalar(query) or 0


def one_group(group: Group) -> dict[str, Any]:
    return group_data(group, member_count(group))


def group_or_404(group_id: int) -> Group:
    return get_in_org_or_404(Group, group_id, "group")


def checked_name(group_name: str, exclude_id: int | None = None) -> str:
    """Return the trimmed name: 409 when another group has it, 422 when invalid."""
    name = group_name.strip()
    query = select(Group.id).where(Group.org_id == api_org_id(), Group.name == name)
    if exclude_id is not None:
        query = query.where(Group.id != exclude_id)
    if db.session.scalar(query):
        reject(409, "name", f"A group named {name!r} exists already.")
    try:
        return rosters.check_group_name(api_org_id(), name, exclude_id=exclude_id)
    except identity.ValidationError as error:
        reject(422, error.field, error.message)


def learners_or_404(learner_ids: list[int]) -> list[int]:
    wanted = set(learner_ids)
    found = set(
        db.session.scalars(
            select(User.id).where(
                User.id.in_(wanted),
                User.org_id == api_org_id(),
                User.role == Role.LEARNER,
            )
        )
    )
    missing = sorted(wanted - found)
    if missing:
        reject(
            404,
            "learner_ids",
            f"learners {missing} were not found in this organisation.",
        )
    return sorted(found)


@blp.route("")
class Groups(MethodView):
    @blp.arguments(GroupQuerySchema, location="query")
    @blp.response(200, GroupPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List groups by name, with their active member counts."""
        rows = rosters.groups_with_counts(
            api_org_id(), include_archived=args["include_archived"]
        )
        per_page = args.get("per_page") or current_app.config["LAUREL_PAGE_SIZE"]
        start = (args["page"] - 1) * per_page
        items = [
            group_data(group, count) for group, count in rows[start : start + per_page]
        ]
        return page_dict(items, args["page"], per_page, len(rows))

    @blp.arguments(GroupNameSchema)
    @blp.response(201, GroupSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a group; 409 when the name is taken."""
        name = checked_name(args["name"])
        group = rosters.create_group(api_org_id(), name, api_actor_id())
        db.session.commit()
        return one_group(group)


@blp.route(f"/{GROUP_ID}")
class GroupById(MethodView):
    @blp.response(200, GroupSchema)
    def get(self, group_id: int) -> dict[str, Any]:
        """Read one group."""
        return one_group(group_or_404(group_id))

    @blp.arguments(GroupNameSchema)
    @blp.response(200, GroupSchema)
    def patch(self, args: dict[str, Any], group_id: int) -> dict[str, Any]:
        """Rename the group."""
        group = group_or_404(group_id)
        name = checked_name(args["name"], exclude_id=group.id)
        if name != group.name:
            rosters.rename_group(group, name, api_actor_id())
            db.session.commit()
        return one_group(group)


@blp.route(f"/{GROUP_ID}/archive", methods=["POST"])
@blp.response(200, GroupSchema)
def archive(group_id: int) -> dict[str, Any]:
    """Archive the group: it leaves menus and filters, its members stay."""
    group = group_or_404(group_id)
    if not group.archived:
        rosters.set_group_archived(group, True, api_actor_id())
        db.session.commit()
    return one_group(group)


@blp.route(f"/{GROUP_ID}/restore", methods=["POST"])
@blp.response(200, GroupSchema)
def restore(group_id: int) -> dict[str, Any]:
    """Bring an archived group back."""
    group = group_or_404(group_id)
    if group.archived:
        rosters.set_group_archived(group, False, api_actor_id())
        db.session.commit()
    return one_group(group)


@blp.route(f"/{GROUP_ID}/members")
class Members(MethodView):
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, LearnerPageSchema)
    def get(self, args: dict[str, Any], group_id: int) -> dict[str, Any]:
        """List the group's learners, paginated."""
        group = group_or_404(group_id)
        query = rosters.learners_query(
            group.org_id, group_id=group.id, include_inactive=args["include_inactive"]
        )
        page = page_of(query, args)
        page["items"] = learners_data(page["items"])
        return page

    @blp.arguments(MembersSchema)
    @blp.response(200, AddedSchema)
    def post(self, args: dict[str, Any], group_id: int) -> dict[str, int]:
        """Add learners; those already in the group are left as they are."""
        group = group_or_404(group_id)
        learner_ids = learners_or_404(args["learner_ids"])
        added = rosters.add_members(group, learner_ids, api_actor_id())
        db.session.commit()
        return {"added": added}


@blp.route(f"/{GROUP_ID}/members/{LEARNER_ID}", methods=["DELETE"])
@blp.response(204)
def remove_member(group_id: int, learner_id: int) -> tuple[str, int]:
    """Remove a learner from the group; 404 when they are not a member."""
    group = group_or_404(group_id)
    user = learner_or_404(learner_id)
    if not rosters.remove_member(group, user.id, api_actor_id()):
        reject(
            404,
            "learner_id",
            f"learner {learner_id} is not a member of group {group_id}.",
            location="path",
        )
    db.session.commit()
    return "", 204
