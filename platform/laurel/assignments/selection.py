"""A selection of learners, carried from page to page as form values.

A selection is either explicit ids (the ticked checkboxes) or "every learner
matching these filters" (the learners list's search, group and inactive
filters). The second form carries the filter, not the ids, so selecting all
10,000 matching learners sends four values, and the set is resolved on the
server with one subquery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from laurel.identity.models import Role, User
from laurel.identity.services import ValidationError
from laurel.rosters import services as rosters

SEARCH_MAX = 200


@dataclass(frozen=True)
class Selection:
    user_ids: tuple[int, ...] = ()
    all_matching: bool = False
    search: str = ""
    group_id: int | None = None
    include_inactive: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, Any] | MultiDict) -> Selection:
        """Read a selection from request args or form data.

        Keys: ``user_id`` (repeated), ``all`` ("1" for every matching learner),
        ``q``, ``group`` and ``inactive`` as on the learners list.
        """
        getlist = values.getlist if isinstance(values, MultiDict) else None
        raw_ids = getlist("user_id") if getlist else [values.get("user_id", "")]
        return cls(
            user_ids=tuple(sorted({int(v) for v in raw_ids if str(v).isdigit()})),
            all_matching=values.get("all") == "1",
            search=str(values.get("q", ""))[:SEARCH_MAX],
            group_id=parse_id(values.get("group")),
            include_inactive=values.get("inactive") == "1",
        )

    @property
    def empty(self) -> bool:
        return not self.all_matching and not self.user_ids

    def form_values(self) -> list[tuple[str, str]]:
        """Return the selection as (name, value) pairs for hidden inputs or URLs."""
        pairs = [("user_id", str(user_id)) for user_id in self.user_ids]
        if self.all_matching:
            pairs.append(("all", "1"))
        if self.search:
            pairs.append(("q", self.search))
        if self.group_id is not None:
            pairs.append(("group", str(self.group_id)))
        if self.include_inactive:
            pairs.append(("inactive", "1"))
        return pairs

    def learner_ids(self, org_id: int) -> Select[Any]:
        """Select the ids of the organisation's learners in this selection."""
        if self.all_matching:
            query = rosters.learners_query(
                org_id,
                search=self.search,
                group_id=self.group_id,
                include_inactive=self.include_inactive,
            )
            return query.with_only_columns(User.id).order_by(None)
        return select(User.id).where(
            User.org_id == org_id,
            User.role == Role.LEARNER,
            User.active.is_(True),
            User.id.in_(self.user_ids),
        )

    def require_some(self) -> None:
        if self.empty:
            raise ValidationError(
                "learners",
                "No learners are selected. Tick learners in the list, or choose "
                "every learner matching the filters.",
            )


def parse_id(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None
