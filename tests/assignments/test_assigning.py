"""Assigning through the pages: selection, quote, confirm, skips and charges."""

from __future__ import annotations

import re

import pytest
from laurel.assignments.models import (
    AssignmentBatch,
    AssignmentKind,
    SuiteAssignment,
    UnitAssignment,
    UnitStatus,
)
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.rosters import services as rosters
from sqlalchemy import select

from tests.assignments.helpers import (
    SUITE_KEY,
    assign,
    balance,
    count,
    grant,
    take,
    unit_of,
)

TOKEN = "confirm-token-0123456789abcdef"


def confirm_data(learners, token: str = TOKEN, quoted: int | None = None, **extra):  # noqa: ANN001, ANN003, ANN201
    data = {
        "user_id": [str(learner.id) for learner in learners],
        "suite": SUITE_KEY,
        "kind": "subscription",
        "auto_reassign": "1",
        "request_token": token,
        **extra,
    }
    if quoted is not None:
        data["quoted_total"] = str(quoted)
    return data


def test_select_page_offers_learners(app, school, login) -> None:
    client = login(school.instructor)
    page = client.get("/assignments/new").get_data(as_text=True)
    for learner in school.learners:
        assert f'name="user_id" value="{learner.id}"' in page
    assert "Select all 2 matching learners, on every page" in page
    assert "Workplace Readiness" in page


def test_quote_shows_prices_and_balance(app, school, login) -> None:
    client = login(school.instructor)
    query = "&".join(f"user_id={learner.id}" for learner in school.learners)
    page = client.get(f"/assignments/quote?{query}&suite={SUITE_KEY}").get_data(
        as_text=True
    )
    assert "2 learners selected." in page
    assert "Subscription to Workplace Readiness, 365 days" in page
    assert '<td class="quote-total">10 credits</td>' in page
    assert '<td class="quote-balance">100 credits</td>' in page
    assert "Confirm: assign to 2 learners for 10 credits" in page
    assert re.search(r'name="request_token" type="hidden" value="[\w-]{32}"', page)


def test_confirm_assigns_and_charges_quote(app, school, login) -> None:
    client = login(school.instructor)
    response = client.post(
        "/assignments/confirm", data=confirm_data(school.learners, quoted=10)
    )
    assert response.status_code == 302
    batch = db.session.scalar(select(AssignmentBatch))
    assert response.headers["Location"].endswith(f"/assignments/batches/{batch.id}")
    assert batch.credits_charged == 10
    assert batch.changed_count == 2
    assert balance(school.org.id) == 90
    assert count(SuiteAssignment) == 2
    assert count(UnitAssignment) == 20  # ten assessments each
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assignment.created")
    ).all()
    assert sorted(e.details["learner_id"] for e in events) == sorted(
        learner.id for learner in school.learners
    )
    assert {e.actor_id for e in events} == {school.instructor.id}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Assigned Workplace Readiness to 2 learners" in page
    assert '<dd class="charged">10</dd>' in page


def test_repeated_confirm_charges_once(app, school, login) -> None:
    client = login(school.instructor)
    first = client.post(
        "/assignments/confirm", data=confirm_data(school.learners, quoted=10)
    )
    second = client.post(
        "/assignments/confirm", data=confirm_data(school.learners, quoted=10)
    )
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(AssignmentBatch) == 1
    assert count(SuiteAssignment) == 2
    assert balance(school.org.id) == 90


def test_short_of_credits_assigns_nothing(app, make_school, login) -> None:
    school = make_school(learners=3)
    grant(school.org.id, 12)
    client = login(school.instructor)
    query = "&".join(f"user_id={learner.id}" for learner in school.learners)
    page = client.get(f"/assignments/quote?{query}&suite={SUITE_KEY}").get_data(
        as_text=True
    )
    assert '<td class="quote-short">3 credits</td>' in page
    assert "The balance is 3 credits short of the 15 this needs" in page
    assert "Confirm: assign" not in page

    response = client.post(
        "/assignments/confirm", data=confirm_data(school.learners, quoted=15)
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert (
        "Nothing was assigned: this needs 15 credits and the balance is 12, so 3 "
        "credits are missing." in body
    )
    assert count(SuiteAssignment) == 0
    assert count(UnitAssignment) == 0
    assert count(AssignmentBatch) == 0
    assert count(AuditEvent, AuditEvent.action == "assignment.created") == 0
    assert balance(school.org.id) == 12


def test_group_assignment_skips_holders(app, school, make_user, login) -> None:
    org = school.org
    extra = make_user(org, Role.LEARNER)
    outsider = make_user(org, Role.LEARNER)
    group = rosters.create_group(org.id, "Evening class", actor_id=None)
    members = [*school.learners, extra]
    rosters.add_members(group, [m.id for m in members], actor_id=None)
    db.session.commit()
    assign(org.id, school.instructor, [extra])
    before = balance(org.id)

    client = login(school.instructor)
    page = client.get(f"/assignments/quote?all=1&group={group.id}&suite={SUITE_KEY}")
    text = page.get_data(as_text=True)
    assert "3 learners selected: every learner matching the filters." in text
    assert "1 learner skipped, not charged" in text
    assert f"{extra.full_name}: has a subscription to Workplace Readiness until" in text
    assert '<td class="quote-total">10 credits</td>' in text

    data = {
        "all": "1",
        "group": str(group.id),
        "suite": SUITE_KEY,
        "kind": "subscription",
    }
    response = client.post(
        "/assignments/confirm",
        data={**data, "request_token": TOKEN, "quoted_total": "10"},
    )
    assert response.status_code == 302
    assert balance(org.id) == before - 10
    holders = set(db.session.scalars(select(SuiteAssignment.learner_id)))
    assert holders == {m.id for m in members}
    assert outsider.id not in holders
    batch = db.session.scalar(
        select(AssignmentBatch).where(AssignmentBatch.request_token == TOKEN)
    )
    assert [row["learner_id"] for row in batch.skipped] == [extra.id]
    assert batch.credits_charged == 10


def test_search_filter_selects_matches(app, school, make_user, login) -> None:
    org = school.org
    make_user(org, Role.LEARNER, first_name="Zelda", last_name="Quill")
    make_user(org, Role.LEARNER, first_name="Zeno", last_name="Quill")
    client = login(school.instructor)
    response = client.post(
        "/assignments/confirm",
        data={
            "all": "1",
            "q": "quill",
            "suite": SUITE_KEY,
            "kind": "subscription",
            "request_token": TOKEN,
        },
    )
    assert response.status_code == 302
    names = db.session.scalars(
        select(SuiteAssignment).where(SuiteAssignment.suite_key == SUITE_KEY)
    ).all()
    assert sorted(sa.learner.first_name for sa in names) == ["Zelda", "Zeno"]


def test_units_mode_adds_only_missing(app, school, suite) -> None:
    learner = school.learners[0]
    first, second, third = (unit.key for unit in suite.units[:3])
    start = balance(school.org.id)
    batch = assign(
        school.org.id,
        school.instructor,
        [learner],
        AssignmentKind.UNITS,
        (first, second),
    )
    assert batch.credits_charged == 2
    again = assign(
        school.org.id,
        school.instructor,
        [learner],
        AssignmentKind.UNITS,
        (first, third),
    )
    assert again.credits_charged == 1
    assert balance(school.org.id) == start - 3
    keys = set(db.session.scalars(select(UnitAssignment.unit_key)))
    assert keys == {first, second, third}
    repeat = assign(
        school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (first,)
    )
    assert repeat.credits_charged == 0
    assert repeat.skipped == [
        {
            "learner_id": learner.id,
            "name": learner.full_name,
            "reason": "has every chosen unit already",
        }
    ]


def test_subscription_never_reopens_passed(app, school, suite) -> None:
    learner = school.learners[0]
    unit = next(u for u in suite.units if u.is_assessment)
    assign(
        school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (unit.key,)
    )
    passed = unit_of(learner, unit.key)
    take(passed, correct=9)
    batch = assign(school.org.id, school.instructor, [learner])
    assert batch.credits_charged == 5
    db.session.refresh(passed)
    assert passed.status is UnitStatus.PASSED
    assert passed.attempts_used == 1
    assert passed.best_score == 90
    sa = db.session.scalar(select(SuiteAssignment))
    assert sa.kind is AssignmentKind.SUBSCRIPTION
    assert count(UnitAssignment) == 10
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("assignment.%"))
    ).all()
    assert actions == ["assignment.created", "assignment.renewed"]


def test_price_change_rejected(app, school, login) -> None:
    client = login(school.instructor)
    response = client.post(
        "/assignments/confirm", data=confirm_data(school.learners, quoted=5)
    )
    assert response.status_code == 409
    assert "The price changed from 5 to 10 credits" in response.get_data(as_text=True)
    assert count(SuiteAssignment) == 0
    assert balance(school.org.id) == 100


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"request_token": "short"}, "request token is missing or invalid"),
        ({"suite": "no_such_suite"}, "Suite &#39;no_such_suite&#39; is not available"),
        ({"user_id": []}, "No learners are selected"),
        ({"kind": "units"}, "Tick at least one unit to assign."),
        ({"kind": "units", "unit": "nope"}, "has no units &#39;nope&#39;"),
        ({"quoted_total": "ten"}, "Quoted total &#39;ten&#39; is not a whole number."),
    ],
)
def test_bad_confirm_is_400(app, school, login, change, message) -> None:  # noqa: ANN001
    client = login(school.instructor)
    response = client.post(
        "/assignments/confirm", data={**confirm_data(school.learners), **change}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(SuiteAssignment) == 0


def test_learner_cannot_assign(app, school, login) -> None:
    client = login(school.learners[0])
    assert client.get("/assignments/new").status_code == 403
    response = client.post("/assignments/confirm", data=confirm_data(school.learners))
    assert response.status_code == 403
    assert count(SuiteAssignment) == 0


def test_learner_page_section(app, school, suite, login) -> None:
    learner = school.learners[0]
    client = login(school.instructor)
    empty = client.get(f"/learners/{learner.id}").get_data(as_text=True)
    assert "No suites are assigned to" in empty
    assert 'action="/assignments/quote"' in empty
    assign(school.org.id, school.instructor, [learner])
    first = unit_of(learner, next(u for u in suite.units if u.is_assessment).key)
    take(first, correct=1)
    page = client.get(f"/learners/{learner.id}").get_data(as_text=True)
    assert "<h3>Workplace Readiness</h3>" in page
    assert "Subscription from" in page
    assert 'class="status status-failed">failed</span>' in page
    assert f"unit_assignment_id={first.id}" in page
    assert "Areas still to pass:" in page


def test_single_learner_reassign_page(app, school, suite, login) -> None:
    learner = school.learners[0]
    unit = next(u for u in suite.units if u.is_assessment)
    assign(
        school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (unit.key,)
    )
    ua = unit_of(learner, unit.key)
    take(ua, correct=0)
    client = login(school.instructor)
    page = client.get(
        f"/assignments/reassign?suite={SUITE_KEY}&unit_assignment_id={ua.id}"
    )
    text = page.get_data(as_text=True)
    assert "Confirm: reassign 1 unit for 1 credits" in text
    token = re.search(
        r'name="request_token" type="hidden" value="([\w-]+)"', text
    ).group(1)
    data = {
        "suite": SUITE_KEY,
        "unit_assignment_id": str(ua.id),
        "request_token": token,
        "quoted_total": "1",
    }
    before = balance(school.org.id)
    for _ in range(2):
        response = client.post("/assignments/reassign", data=data)
        assert response.status_code == 302
    assert balance(school.org.id) == before - 1
    db.session.refresh(ua)
    assert ua.status is UnitStatus.REASSIGNED
    assert ua.attempts_allowed == 2


def test_mass_reassign_one_quote(app, make_school, suite, login) -> None:
    school = make_school(learners=3)
    grant(school.org.id, 20)
    unit = next(u for u in suite.units if u.is_assessment)
    assign(
        school.org.id,
        school.instructor,
        school.learners,
        AssignmentKind.UNITS,
        (unit.key,),
    )
    failing, passing, failing_too = school.learners
    take(unit_of(failing, unit.key), correct=1)
    take(unit_of(passing, unit.key), correct=9)
    take(unit_of(failing_too, unit.key), correct=2)
    client = login(school.instructor)
    query = "&".join(f"user_id={learner.id}" for learner in school.learners)
    page = client.get(f"/assignments/reassign?{query}&suite={SUITE_KEY}").get_data(
        as_text=True
    )
    assert "Confirm: reassign 2 units for 2 credits" in page
    token = re.search(
        r'name="request_token" type="hidden" value="([\w-]+)"', page
    ).group(1)
    data = {
        "user_id": [str(learner.id) for learner in school.learners],
        "suite": SUITE_KEY,
        "request_token": token,
        "quoted_total": "2",
    }
    before = balance(school.org.id)
    response = client.post("/assignments/reassign", data=data)
    assert response.status_code == 302
    assert balance(school.org.id) == before - 2
    statuses = {
        ua.learner_id: ua.status for ua in db.session.scalars(select(UnitAssignment))
    }
    assert statuses == {
        failing.id: UnitStatus.REASSIGNED,
        passing.id: UnitStatus.PASSED,
        failing_too.id: UnitStatus.REASSIGNED,
    }


def test_unassign_button_refunds(app, school, suite, login) -> None:
    learner = school.learners[0]
    key = suite.units[0].key
    assign(school.org.id, school.instructor, [learner], AssignmentKind.UNITS, (key,))
    ua_id = unit_of(learner, key).id
    client = login(school.instructor)
    page = client.get(f"/learners/{learner.id}").get_data(as_text=True)
    assert "Unassign and refund 1 credits" in page
    response = client.post(
        f"/assignments/units/{ua_id}/unassign", follow_redirects=True
    )
    assert "Unassigned the unit and refunded 1 credits." in response.get_data(
        as_text=True
    )
    assert balance(school.org.id) == 100
    assert count(SuiteAssignment) == 0
    again = client.post(f"/assignments/units/{ua_id}/unassign")
    assert again.status_code == 404
    assert balance(school.org.id) == 100


class TestWithoutBilling:
    """With the credits plugin left out, assignments work and cost nothing."""

    @pytest.fixture
    def app_config(self, app_config):  # noqa: ANN001, ANN201
        return {**app_config, "PLUGINS": "workplace_readiness"}

    def test_assigns_without_charge(self, app, school, login) -> None:
        assert balance(school.org.id) is None
        client = login(school.instructor)
        query = "&".join(f"user_id={learner.id}" for learner in school.learners)
        page = client.get(f"/assignments/quote?{query}&suite={SUITE_KEY}").get_data(
            as_text=True
        )
        assert "No charge: no billing plugin is installed." in page
        assert "Confirm: assign to 2 learners</button>" in page
        response = client.post(
            "/assignments/confirm", data=confirm_data(school.learners, quoted=10)
        )
        assert response.status_code == 302
        batch = db.session.scalar(select(AssignmentBatch))
        assert batch.credits_charged == 0
        assert count(SuiteAssignment) == 2
