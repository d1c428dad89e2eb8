"""Issuing credentials when a suite's rules hold, and revoking them.

An area is passed when any of its units (the assessment or the
skill-building post-test) passed at the mark in force when it was scored.
A unit that passed stays passed, so a later failed unit in the same area
never takes a pass away, and a failed unit without an earlier pass leaves
the area unpassed. The credential records each area's best passing score.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from laurel import audit
from laurel.assignments.models import SuiteAssignment, UnitAssignment, UnitStatus
from laurel.assignments.services import matched_rows
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity.models import Organisation, User
from laurel.identity.services import ValidationError, utcnow
from laurel.plugins.registry import hooks
from laurel.plugins.suites import Suite

log = logging.getLogger(__name__)

# No 0/O, 1/I/L: a code read aloud or typed from paper has one spelling.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PREFIX = "LAU"
CODE_GROUPS = 2
CODE_GROUP_LENGTH = 4
REASON_MAX = 1000


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


def new_code() -> str:
    """Return a code such as ``LAU-7KQ2-M9XD``: 31**8, about 8.5e11 values."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join((CODE_PREFIX, *groups))


def normalise_code(text: str) -> str:
    """Upper-case a typed code and regroup it, so ``lau 7kq2m9xd`` matches."""
    compact = "".join(text.split()).upper().replace("-", "")
    if compact.startswith(CODE_PREFIX):
        compact = compact[len(CODE_PREFIX) :]
    size = CODE_GROUP_LENGTH
    return "-".join(
        [CODE_PREFIX, *(compact[i : i + size] for i in range(0, len(compact), size))]
    )


def unused_code() -> str:
    """Return a code no credential has; the unique constraint is the final guard."""
    while True:
        code = new_code()
        if (
            db.session.scalar(select(Credential.id).where(Credential.code == code))
            is None
        ):
            return code


def area_scores(suite: Suite, suite_assignment_id: int) -> dict[str, int]:
    """Return the best passing score of each area passed, for one suite assignment.

    An area is passed by the suite's rule: any of its units passed, or every
    one of them for a suite whose ``area_pass`` is "all".
    """
    rows = db.session.execute(
        select(
            UnitAssignment.unit_key,
            UnitAssignment.area_key,
            UnitAssignment.passed_score,
        ).where(
            UnitAssignment.suite_assignment_id == suite_assignment_id,
            UnitAssignment.status == UnitStatus.PASSED,
        )
    )
    passed_units: set[str] = set()
    best: dict[str, int] = {}
    for unit_key, area_key, score in rows:
        passed_units.add(unit_key)
        if score is not None:
            best[area_key] = max(best.get(area_key, score), int(score))
    return {
        area: score
        for area, score in best.items()
        if suite.area_passed(area, passed_units)
    }


def earned(suite: Suite, scores: dict[str, int]) -> bool:
    return all(area in scores for area in suite.rules.required_areas)


def issue_if_earned(
    sa: SuiteAssignment, suite: Suite, now: datetime | None = None
) -> Credential | None:
    """Issue the suite's credential if every required area is passed.

    Returns the new credential, or None when the rules do not hold yet or
    the learner has one already (revoked ones included). Two submits that
    complete the suite at once issue one credential: the loser's INSERT
    hits the unique (learner, suite) constraint inside a savepoint.
    """
    if credential_for(sa.learner_id, sa.suite_key) is not None:
        return None
    scores = area_scores(suite, sa.id)
    if not earned(suite, scores):
        return None
    credential = build_credential(sa, suite, scores, now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(credential)
    except IntegrityError:
        log.info(
            "credential for user %s in %s was issued concurrently",
            sa.learner_id,
            suite.key,
        )
        return None
    audit.record(
        "credential.issued",
        "credential",
        credential.id,
        org_id=sa.org_id,
        actor_id=None,
        automatic=True,
        learner_id=sa.learner_id,
        suite=suite.key,
        code=credential.code,
        signer_id=credential.signer_id,
    )
    log.info("credential %s issued for user %s", credential.id, sa.learner_id)
    hooks().laurel_credential_issued(credential=credential)
    return credential


def build_credential(
    sa: SuiteAssignment, suite: Suite, scores: dict[str, int], now: datetime
) -> Credential:
    learner = db.session.get_one(User, sa.learner_id)
    org = db.session.get_one(Organisation, sa.org_id)
    signer = db.session.get(User, sa.created_by_id) if sa.created_by_id else None
    areas = [
        {"key": area.key, "title": area.title, "score": scores[area.key]}
        for area in suite.areas
        if area.key in scores
    ]
    return Credential(
        public_id=new_public_id(),
        code=unused_code(),
        org_id=sa.org_id,
        learner_id=sa.learner_id,
        suite_assignment_id=sa.id,
        suite_key=suite.key,
        suite_version=suite.version,
        suite_title=suite.title,
        learner_name=learner.full_name,
        org_name=org.name,
        issued_at=now,
        areas=areas,
        signer_id=signer.id if signer else None,
        signer_name=signer.full_name if signer else org.name,
    )


def credential_for(learner_id: int, suite_key: str) -> Credential | None:
    return db.session.scalar(
        select(Credential).where(
            Credential.learner_id == learner_id, Credential.suite_key == suite_key
        )
    )


def credential_by_public_id(public_id: str) -> Credential | None:
    return db.session.scalar(
        select(Credential).where(Credential.public_id == public_id)
    )


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            "reason", "The reason is missing; say why the credential is revoked."
        )
    if len(text) > REASON_MAX:
        raise ValidationError(
            "reason",
            f"The reason is {len(text)} characters long; the maximum is {REASON_MAX}.",
        )
    return text


def revoke(
    credential: Credential,
    reason: str | None,
    actor_id: int | None,
    now: datetime | None = None,
) -> bool:
    """Revoke the credential; False when it was revoked already.

    Raises ValidationError when the reason is missing or too long.
    """
    text = check_reason(reason)
    now = now or utcnow()
    result = db.session.execute(
        update(Credential)
        .where(Credential.id == credential.id, Credential.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor_id, revoke_reason=text)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(credential)
    if matched_rows(result) != 1:
        return False
    audit.record(
        "credential.revoked",
        "credential",
        credential.id,
        org_id=credential.org_id,
        actor_id=actor_id,
        reason=text,
        code=credential.code,
    )
    log.info("credential %s revoked by user %s", credential.id, actor_id)
    return True
