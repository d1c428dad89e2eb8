"""The suite's rules after a pass or a fail: auto-assign, reassign, caps, terms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from laurel.assignments import attempts, reassignments, services
from laurel.assignments.models import AssignmentKind, SuiteAssignment, UnitStatus
from laurel.extensions import db
from laurel.identity.services import utcnow
from laurel.plugins.registry import hooks
from sqlalchemy import update

from tests.assignments.helpers import assign, audit_actions, balance, take, unit_of


def assessment(suite, area_index: int = 0):  # noqa: ANN001, ANN201
    area = suite.areas[area_index].key
    return next(unit for unit in suite.units_of(area) if unit.is_assessment)


def skill_building(suite, area_index: int = 0):  # noqa: ANN001, ANN201
    return suite.skill_building_unit(suite.areas[area_index].key)


def reassign_one(school, suite, ua):  # noqa: ANN001, ANN201
    batch = reassignments.reassign(
        school.org,
        school.instructor.id,
        suite,
        [ua],
        services.new_request_token(),
        None,
    )
    db.session.commit()
    db.session.refresh(ua)
    return batch


def test_subscription_starts_with_assessments(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    assessments = [u for u in suite.units if u.is_assessment]
    assert len(assessments) == 10
    for unit in assessments:
        ua = unit_of(learner, unit.key)
        assert ua is not None, unit.key
        assert ua.status is UnitStatus.NOT_STARTED
        assert ua.attempts_allowed == 1
        assert ua.paid_credits == 0
    assert unit_of(learner, skill_building(suite).key) is None
    sa = db.session.query(SuiteAssignment).one()
    assert sa.term_end - sa.term_start == timedelta(days=365)
    assert sa.auto_reassign is True
    assert sa.created_by_id == school.instructor.id


def test_failed_assessment_assigns_skill_building(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, assessment(suite).key)
    attempt = take(ua, correct=3)
    assert attempt.score == 30
    assert attempt.passed is False
    assert attempt.pass_mark == 70
    assert ua.status is UnitStatus.FAILED
    assert ua.attempts_used == 1
    assert ua.attempts_left == 0
    assert ua.best_score == 30
    follow_up = unit_of(learner, skill_building(suite).key)
    assert follow_up is not None
    assert follow_up.status is UnitStatus.NOT_STARTED
    assert follow_up.assigned_by_id is None
    assert follow_up.paid_credits == 0
    automatic = [
        (actor, details)
        for action, actor, details in audit_actions(school.org.id)
        if action == "unit.assigned"
    ]
    assert automatic == [
        (
            None,
            {
                "unit": follow_up.unit_key,
                "learner_id": learner.id,
                "automatic": True,
                "reason": f"assessment {ua.unit_key} failed",
            },
        )
    ]


def test_skill_building_fail_reassigns_once(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    take(unit_of(learner, assessment(suite).key), correct=2)
    ua = unit_of(learner, skill_building(suite).key)

    first = take(ua, correct=2)
    assert first.score == 25  # 2 of 8
    assert ua.status is UnitStatus.REASSIGNED
    assert ua.attempts_allowed == 2
    assert ua.attempts_used == 1
    assert ua.auto_reassigned is True
    assert ua.reassigned_by_id is None
    assert ua.extra_attempts == 0

    second = take(ua, correct=3)
    assert second.number == 2
    assert second.score == 38  # 3 of 8, rounded
    assert ua.status is UnitStatus.FAILED
    assert ua.attempts_allowed == 2
    assert ua.attempts_left == 0
    reassigned = [
        (actor, details["automatic"])
        for action, actor, details in audit_actions(school.org.id)
        if action == "unit.reassigned"
    ]
    assert reassigned == [(None, True)]


def test_second_fail_manual_free_reassign(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    take(unit_of(learner, assessment(suite).key), correct=2)
    ua = unit_of(learner, skill_building(suite).key)
    take(ua, correct=2)
    take(ua, correct=2)
    assert ua.status is UnitStatus.FAILED

    balance_before = balance(school.org.id)
    batch = reassign_one(school, suite, ua)
    assert batch.credits_charged == 0
    assert batch.changed_count == 1
    assert balance(school.org.id) == balance_before
    assert ua.status is UnitStatus.REASSIGNED
    assert ua.attempts_allowed == 3
    assert ua.extra_attempts == 1
    assert ua.reassigned_by_id == school.instructor.id
    manual = [
        (actor, details["automatic"], details["credits"])
        for action, actor, details in audit_actions(school.org.id)
        if action == "unit.reassigned"
    ]
    assert manual == [(None, True, 0), (school.instructor.id, False, 0)]


def test_pass_after_retakes_keeps_best(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    take(unit_of(learner, assessment(suite).key), correct=6)
    ua = unit_of(learner, skill_building(suite).key)
    take(ua, correct=4)  # 50
    take(ua, correct=5)  # 62
    reassign_one(school, suite, ua)
    final = take(ua, correct=7)
    assert final.number == 3
    assert final.score == 88
    assert final.passed is True
    assert ua.status is UnitStatus.PASSED
    assert ua.best_score == 88
    assert ua.passed_score == 88
    assert ua.last_score == 88
    assert [a.score for a in ua.attempts] == [50, 62, 88]
    with pytest.raises(attempts.AttemptError, match="passed this unit already"):
        attempts.start_attempt(ua)


def test_passed_unit_not_reassigned(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, assessment(suite).key)
    take(ua, correct=9)
    plan = reassignments.plan_reassignment(school.org, suite, [ua], utcnow())
    assert plan.items == []
    assert plan.rejected[0]["reason"] == "is passed; only failed units are reassigned"


def test_fail_after_pass_keeps_area(app, school, suite) -> None:
    from laurel.credentials.services import area_scores

    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    passed = unit_of(learner, assessment(suite).key)
    take(passed, correct=8)
    assert unit_of(learner, skill_building(suite).key) is None
    assign(
        school.org.id,
        school.instructor,
        [learner],
        kind=AssignmentKind.UNITS,
        unit_keys=(skill_building(suite).key,),
    )
    extra = unit_of(learner, skill_building(suite).key)
    assert extra.paid_credits == 0  # covered by the subscription
    take(extra, correct=1)
    assert extra.status is UnitStatus.REASSIGNED  # its one automatic retry
    take(extra, correct=1)
    assert extra.status is UnitStatus.FAILED
    assert passed.status is UnitStatus.PASSED
    assert area_scores(suite, passed.suite_assignment_id) == {suite.areas[0].key: 80}


def test_fail_without_pass_leaves_area(app, school, suite) -> None:
    from laurel.credentials.services import area_scores

    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    first = unit_of(learner, assessment(suite).key)
    take(first, correct=6)
    sb = unit_of(learner, skill_building(suite).key)
    take(sb, correct=5)
    take(sb, correct=5)
    assert first.status is UnitStatus.FAILED
    assert sb.status is UnitStatus.FAILED
    assert area_scores(suite, first.suite_assignment_id) == {}


def test_expired_subscription_blocks_attempts(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    failed = unit_of(learner, assessment(suite, 1).key)
    take(failed, correct=1)
    ended = utcnow() - timedelta(days=1)
    db.session.execute(update(SuiteAssignment).values(term_end=ended))
    db.session.commit()
    ua = unit_of(learner, assessment(suite).key)
    db.session.refresh(ua.suite_assignment)

    with pytest.raises(attempts.AttemptError, match="subscription ended on"):
        attempts.start_attempt(ua)
    db.session.rollback()
    plan = reassignments.plan_reassignment(school.org, suite, [failed], utcnow())
    assert plan.items == []
    assert "subscription ended on" in plan.rejected[0]["reason"]

    client = login(learner)
    day = ended.strftime("%Y-%m-%d")
    units_page = client.get("/my/units").get_data(as_text=True)
    assert (
        f"The subscription ended on {day}, so no new attempts can start." in units_page
    )
    unit_page = client.get(f"/my/units/{ua.id}").get_data(as_text=True)
    assert "no new attempts can start" in unit_page
    assert "Start</button>" not in unit_page
    response = client.post(f"/my/units/{ua.id}/start", follow_redirects=True)
    assert "subscription ended on" in response.get_data(as_text=True)
    db.session.refresh(ua)
    assert ua.attempts_used == 0


def test_paid_reassign_beyond_cap_rejected(app, school, suite, login) -> None:
    learner = school.learners[0]
    start = balance(school.org.id)
    unit = assessment(suite)
    batch = assign(
        school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (unit.key,)
    )
    assert batch.credits_charged == 1
    ua = unit_of(learner, unit.key)
    assert ua.paid_credits == 1
    take(ua, correct=2)
    assert ua.status is UnitStatus.FAILED
    assert (
        unit_of(learner, skill_building(suite).key) is None
    )  # only under a subscription

    paid = reassign_one(school, suite, ua)
    assert paid.credits_charged == 1
    assert balance(school.org.id) == start - 2
    assert ua.extra_attempts == 1
    take(ua, correct=2)
    assert ua.status is UnitStatus.FAILED

    with pytest.raises(services.AssignmentError, match="organisation's cap of 1"):
        reassign_one(school, suite, ua)
    db.session.rollback()
    assert balance(school.org.id) == start - 2
    db.session.refresh(ua)
    assert ua.status is UnitStatus.FAILED
    assert ua.attempts_allowed == 2

    client = login(school.instructor)
    page = client.get(
        f"/assignments/reassign?suite={suite.key}&unit_assignment_id={ua.id}"
    ).get_data(as_text=True)
    assert "the organisation&#39;s cap of 1" in page
    assert "Confirm: reassign" not in page


def test_cap_raised_allows_paid_reassign(app, school, suite) -> None:
    learner = school.learners[0]
    unit = assessment(suite)
    assign(
        school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (unit.key,)
    )
    ua = unit_of(learner, unit.key)
    take(ua, correct=2)
    reassign_one(school, suite, ua)
    take(ua, correct=2)
    school.org.extra_attempt_cap = 2
    db.session.commit()
    batch = reassign_one(school, suite, ua)
    assert batch.credits_charged == 1
    assert ua.extra_attempts == 2
    assert ua.attempts_allowed == 3


def test_unassign_refunds_once(app, school, suite) -> None:
    learner = school.learners[0]
    start = balance(school.org.id)
    first, second = (u.key for u in suite.units[:2])
    assign(
        school.org.id,
        school.instructor,
        [learner],
        AssignmentKind.UNITS,
        (first, second),
    )
    assert balance(school.org.id) == start - 2
    ua = unit_of(learner, first)
    refunded = reassignments.unassign_unit(ua, school.instructor.id)
    db.session.commit()
    assert refunded == 1
    assert balance(school.org.id) == start - 1
    assert unit_of(learner, first) is None
    # The refund key names the purchase, so replaying it refunds nothing more.
    line = {
        "kind": "unit",
        "suite": suite.key,
        "unit": first,
        "learner_id": learner.id,
        "credits": 1,
    }
    replay = hooks().laurel_refund(
        org_id=school.org.id,
        lines=[line],
        idempotency_key=reassignments.refund_key(ua),
        actor_id=None,
        reason="replay",
    )
    assert replay["replayed"] is True
    assert balance(school.org.id) == start - 1


def test_unassign_started_unit_rejected(app, school, suite) -> None:
    learner = school.learners[0]
    start = balance(school.org.id)
    key = suite.units[0].key
    assign(school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (key,))
    ua = unit_of(learner, key)
    attempts.start_attempt(ua)
    db.session.commit()
    with pytest.raises(services.AssignmentError, match="only units not yet started"):
        reassignments.unassign_unit(ua, school.instructor.id)
    db.session.rollback()
    assert balance(school.org.id) == start - 1


def test_subscription_unit_not_unassigned(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, assessment(suite).key)
    with pytest.raises(
        services.AssignmentError, match="subscription, which is not refundable"
    ):
        reassignments.unassign_unit(ua, school.instructor.id)
