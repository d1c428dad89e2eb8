"""An organisation's assessment policy: pass marks per area, extra attempts."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from laurel import audit
from laurel.assignments.models import AreaPassMark
from laurel.extensions import db
from laurel.identity.models import Organisation
from laurel.identity.services import ValidationError, utcnow
from laurel.plugins.suites import Suite

log = logging.getLogger(__name__)

EXTRA_ATTEMPT_CAP_MAX = 20


def pass_marks(org_id: int, suite: Suite) -> dict[str, int]:
    """Return the mark in force for each area: the organisation's or the suite's."""
    rows = db.session.execute(
        select(AreaPassMark.area_key, AreaPassMark.pass_mark).where(
            AreaPassMark.org_id == org_id, AreaPassMark.suite_key == suite.key
        )
    )
    own = {area_key: mark for area_key, mark in rows}
    return {area.key: own.get(area.key, suite.rules.pass_mark) for area in suite.areas}


def pass_mark(org_id: int, suite: Suite, area_key: str) -> int:
    own = db.session.scalar(
        select(AreaPassMark.pass_mark).where(
            AreaPassMark.org_id == org_id,
            AreaPassMark.suite_key == suite.key,
            AreaPassMark.area_key == area_key,
        )
    )
    return suite.rules.pass_mark if own is None else own


def check_pass_mark(suite: Suite, area_key: str, value: str | int) -> int:
    """Parse a pass mark and check it lies within the suite's bounds."""
    low, high = suite.rules.pass_mark_min, suite.rules.pass_mark_max
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationError(
            f"pass_mark_{area_key}",
            f"Pass mark {text!r} for {area_title(suite, area_key)} is invalid; "
            f"enter a whole percentage from {low} to {high}.",
        )
    return int(text)


def area_title(suite: Suite, area_key: str) -> str:
    area = suite.area(area_key)
    return area.title if area else area_key


def set_pass_mark(
    org_id: int, suite: Suite, area_key: str, value: int | None, actor_id: int | None
) -> None:
    """Store the organisation's mark for an area; None returns to the suite's."""
    if suite.area(area_key) is None:
        raise ValidationError("area", f"{suite.title} has no area {area_key!r}.")
    row = db.session.scalar(
        select(AreaPassMark).where(
            AreaPassMark.org_id == org_id,
            AreaPassMark.suite_key == suite.key,
            AreaPassMark.area_key == area_key,
        )
    )
    old = row.pass_mark if row else None
    if old == value:
        return
    if row is None:  # so old is None, and value is a mark
        db.session.add(
            AreaPassMark(
                org_id=org_id,
                suite_key=suite.key,
                area_key=area_key,
                pass_mark=value,
                updated_by_id=actor_id,
            )
        )
    elif value is None:
        db.session.execute(delete(AreaPassMark).where(AreaPassMark.id == row.id))
    else:
        row.pass_mark, row.updated_by_id, row.updated_at = value, actor_id, utcnow()
    audit.record(
        "policy.pass_mark_changed",
        "suite",
        suite.key,
        org_id=org_id,
        actor_id=actor_id,
        area=area_key,
        old=old,
        new=value,
    )


def set_extra_attempt_cap(
    org: Organisation, value: str | int, actor_id: int | None
) -> None:
    """Set how many extra attempts per unit instructors may grant."""
    text = str(value).strip()
    if not text.isdigit() or int(text) > EXTRA_ATTEMPT_CAP_MAX:
        raise ValidationError(
            "extra_attempt_cap",
            f"Extra attempt cap {text!r} is invalid; enter a whole number from 0 "
            f"to {EXTRA_ATTEMPT_CAP_MAX}.",
        )
    old, org.extra_attempt_cap = org.extra_attempt_cap, int(text)
    if old != org.extra_attempt_cap:
        audit.record(
            "policy.extra_attempt_cap_changed",
            "organisation",
            org.id,
            org_id=org.id,
            actor_id=actor_id,
            old=old,
            new=org.extra_attempt_cap,
        )
        log.info(
            "org %s extra attempt cap %s -> %s by user %s", org.id, old, text, actor_id
        )
