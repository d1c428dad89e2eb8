"""/api/v1/learners: list, read, create, update, deactivate and reactivate learners."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from laurel import audit
from laurel.api import make_blueprint
from laurel.api.auth import api_actor_id, api_org_id, get_in_org_or_404
from laurel.api.errors import reject
from laurel.api.schemas import (
    NOT_BLANK,
    NOT_BLANK_ERROR,
    WHITESPACE,
    PageArgs,
    PageSchema,
    RequestSchema,
    RowId,
    Text,
    UtcDateTime,
    page_of,
)
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.emails import normalise_email
from laurel.identity.models import Organisation, Role, User
from laurel.rosters import services as rosters
from laurel.rosters.models import Group, GroupMember

blp = make_blueprint("learners", "/learners", "Learners of the token's organisation.")

LEARNER_ID = "<int(min=1, max=2147483647):learner_id>"
# identity.emails.EMAIL_PATTERN, with the whitespace around it that is
# trimmed, and no NUL.
EMAIL_WITH_SPACES = (
    rf"^[{WHITESPACE}]*[^@\x00{WHITESPACE}]+@[^@\x00{WHITESPACE}]+"
    rf"\.[^@.\x00{WHITESPACE}]+[{WHITESPACE}]*$"
)
MAX_GROUPS = 100


def name_field(**kwargs: Any) -> Text:
    return Text(
        pattern=NOT_BLANK,
        pattern_error=NOT_BLANK_ERROR,
        validate=[validate.Length(min=1, max=100)],
        **kwargs,
    )


def email_field(**kwargs: Any) -> Text:
    return Text(
        pattern=EMAIL_WITH_SPACES,
        pattern_error="Not an email address; use the form name@example.org.",
        validate=[validate.Length(max=254)],
        metadata={"description": "Login name; stored trimmed and case-folded."},
        **kwargs,
    )


def external_id_field() -> Text:
    return Text(
        allow_none=True,
        validate=[validate.Length(max=64)],
        metadata={
            "description": "The learner's id in the school's records; "
            "unique in the organisation."
        },
    )


def group_ids_field() -> fields.List:
    return fields.List(
        RowId(strict=True),
        validate=validate.Length(max=MAX_GROUPS),
        metadata={
            "description": "Ids of the organisation's groups the learner belongs to."
        },
    )


class GroupRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class LearnerSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    deactivated_at = UtcDateTime(required=True, allow_none=True)
    groups = fields.List(
        fields.Nested(GroupRefSchema),
        required=True,
        metadata={"description": "Active groups, by name."},
    )


class NewLearnerSchema(LearnerSchema):
    generated_password = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Set only when no password was given: shown this once."
        },
    )


class LearnerPageSchema(PageSchema):
    items = fields.List(fields.Nested(LearnerSchema), required=True)


class LearnerQuerySchema(PageArgs):
    q = Text(
        load_default="",
        validate=[validate.Length(max=200)],
        metadata={
            "description": "Search in names, email and student id, "
            "as on the learners page."
        },
    )
    group = RowId(metadata={"description": "Only members of this group."})
    include_inactive = fields.Boolean(
        load_default=False, metadata={"description": "Include deactivated learners."}
    )


class LearnerCreateSchema(RequestSchema):
    first_name = name_field(required=True)
    last_name = name_field(required=True)
    email = email_field(required=True)
    external_id = external_id_field()
    password = Text(
        allow_none=True,
        load_only=True,
        validate=[validate.Length(min=8, max=128)],
        metadata={
            "description": "At least LAUREL_PASSWORD_MIN_LENGTH characters (8 by "
            "default); when missing, one is generated and returned once."
        },
    )
    group_ids = group_ids_field()


class LearnerUpdateSchema(RequestSchema):
    first_name = name_field()
    last_name = name_field()
    email = email_field()
    external_id = external_id_field()
    group_ids = group_ids_field()


# Loading and checking


def learner_or_404(learner_id: int) -> User:
    user = get_in_org_or_404(User, learner_id, "learner")
    if user.role is not Role.LEARNER:
        abort(404, message=f"learner {learner_id} was not found in this organisation.")
    return user


def groups_or_404(group_ids: Iterable[int]) -> list[Group]:
    """Load active groups of the organisation: 404 if missing, 409 if archived."""
    wanted = sorted(set(group_ids))
    found = db.session.scalars(
        select(Group).where(Group.id.in_(wanted), Group.org_id == api_org_id())
    ).all()
    missing = sorted(set(wanted) - {group.id for group in found})
    if missing:
        reject(
            404, "group_ids", f"groups {missing} were not found in this organisation."
        )
    archived = sorted(group.id for group in found if group.archived)
    if archived:
        reject(409, "group_ids", f"groups {archived} are archived; restore them first.")
    return list(found)


def check_unique(
    email: str | None, external_id: str | None, user_id: int | None = None
) -> None:
    """Abort with 409 when the email or the student id belongs to someone else."""
    if email is not None:
        query = select(User.id).where(User.email == normalise_email(email))
        if db.session.scalar(query) not in (None, user_id):
            reject(
                409,
                "email",
                f"{normalise_email(email)!r} is already in use by another account.",
            )
    external_id = (external_id or "").strip()
    if external_id:
        query = select(User.id).where(
            User.org_id == api_org_id(), User.external_id == external_id
        )
        if db.session.scalar(query) not in (None, user_id):
            reject(
                409,
                "external_id",
                f"student id {external_id!r} is already in use in this organisation.",
            )


def commit_or_409() -> None:
    """Commit, or abort with 409 when a concurrent request took the email or id."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        reject(
            409,
            "email",
            "The email or student id was taken by another request; try again.",
        )


# Output


def group_refs(user_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Return each user's active groups as {id, name}, in one query."""
    rows = db.session.execute(
        select(GroupMember.user_id, Group.id, Group.name)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(list(user_ids)), Group.archived_at.is_(None))
        .order_by(Group.name)
    )
    refs: dict[int, list[dict[str, Any]]] = {}
    for user_id, group_id, name in rows:
        refs.setdefault(user_id, []).append({"id": group_id, "name": name})
    return refs


def learner_data(user: User, groups: list[dict[str, Any]]) -> dict[str, Any]:
    fields_ = ("id", "email", "first_name", "last_name", "external_id", "active")
    data = {name: getattr(user, name) for name in fields_}
    data.update(
        created_at=user.created_at, deactivated_at=user.deactivated_at, groups=groups
    )
    return data


def one_learner(user: User) -> dict[str, Any]:
    return learner_data(user, group_refs([user.id]).get(user.id, []))


def learners_data(users: list[User]) -> list[dict[str, Any]]:
    refs = group_refs(user.id for user in users)
    return [learner_data(user, refs.get(user.id, [])) for user in users]


# Changes


def set_groups(user: User, groups: list[Group]) -> None:
    """Make ``groups`` the learner's active groups, as the edit page does."""
    wanted = {group.id for group in groups}
    for group in rosters.active_groups(user.org_id):
        if group.id in wanted:
            rosters.add_members(group, [user.id], api_actor_id())
        else:
            rosters.remove_member(group, user.id, api_actor_id())


def create_learner(args: dict[str, Any]) -> dict[str, Any]:
    check_unique(args["email"], args.get("external_id"))
    groups = groups_or_404(args.get("group_ids", []))
    try:
        account = identity.create_user(
            email=args["email"],
            first_name=args["first_name"],
            last_name=args["last_name"],
            role=Role.LEARNER,
            org=db.session.get(Organisation, api_org_id()),
            password=args.get("password"),
            external_id=args.get("external_id"),
            actor_id=api_actor_id(),
        )
    except identity.ValidationError as error:
        reject(422, error.field, error.message)
    for group in groups:
        rosters.add_members(group, [account.user.id], api_actor_id())
    commit_or_409()
    return {
        **one_learner(account.user),
        "generated_password": account.generated_password,
    }


def update_learner(user: User, args: dict[str, Any]) -> None:
    check_unique(args.get("email"), args.get("external_id"), user_id=user.id)
    groups = groups_or_404(args["group_ids"]) if "group_ids" in args else None
    try:
        if "first_name" in args or "last_name" in args:
            user.first_name, user.last_name = identity.check_names(
                args.get("first_name", user.first_name),
                args.get("last_name", user.last_name),
            )
        if "email" in args:
            user.email = identity.check_new_email(
                args["email"], exclude_user_id=user.id
            )
    except identity.ValidationError as error:
        reject(422, error.field, error.message)
    if "external_id" in args:
        user.external_id = (args["external_id"] or "").strip() or None
    if groups is not None:
        set_groups(user, groups)
    audit.record(
        "user.updated", "user", user.id, org_id=user.org_id, actor_id=api_actor_id()
    )
    commit_or_409()


# Views


@blp.route("")
class Learners(MethodView):
    @blp.arguments(LearnerQuerySchema, location="query")
    @blp.response(200, LearnerPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List learners, filtered and paginated as on the learners page."""
        if "group" in args:
            get_in_org_or_404(Group, args["group"], "group")
        query = rosters.learners_query(
            api_org_id(),
            search=args["q"],
            group_id=args.get("group"),
            include_inactive=args["include_inactive"],
        )
        page = page_of(query, args)
        page["items"] = learners_data(page["items"])
        return page

    @blp.arguments(LearnerCreateSchema)
    @blp.response(201, NewLearnerSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Add a learner; 409 when the email or student id is taken."""
        return create_learner(args)


@blp.route(f"/{LEARNER_ID}")
class LearnerById(MethodView):
    @blp.response(200, LearnerSchema)
    def get(self, learner_id: int) -> dict[str, Any]:
        """Read one learner."""
        return one_learner(learner_or_404(learner_id))

    @blp.arguments(LearnerUpdateSchema)
    @blp.response(200, LearnerSchema)
    def patch(self, args: dict[str, Any], learner_id: int) -> dict[str, Any]:
        """Change the given fields; ``group_ids`` replaces the active groups."""
        user = learner_or_404(learner_id)
        update_learner(user, args)
        return one_learner(user)


@blp.route(f"/{LEARNER_ID}/deactivate", methods=["POST"])
@blp.response(200, LearnerSchema)
def deactivate(learner_id: int) -> dict[str, Any]:
    """Block the learner's logins and end their sessions; their history stays."""
    user = learner_or_404(learner_id)
    if user.active:
        identity.deactivate_user(user, api_actor_id())
        db.session.commit()
    return one_learner(user)


@blp.route(f"/{LEARNER_ID}/reactivate", methods=["POST"])
@blp.response(200, LearnerSchema)
def reactivate(learner_id: int) -> dict[str, Any]:
    """Let a deactivated learner log in again."""
    user = learner_or_404(learner_id)
    if not user.active:
        identity.reactivate_user(user, api_actor_id())
        db.session.commit()
    return one_learner(user)
