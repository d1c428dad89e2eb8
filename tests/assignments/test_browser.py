"""The learner's path in a real browser: assign to a group, take, retake, resume."""

from __future__ import annotations

import re

import pytest
from laurel.assignments.models import Attempt, UnitAssignment, UnitStatus
from laurel.extensions import db
from laurel.rosters import services as rosters
from sqlalchemy import select

from tests.assignments.helpers import balance, real_suite, unit_of
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.backends("sqlite")]


def log_in(page, base: str, email: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:  # noqa: ANN001
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login$"))


def drawn_questions(page) -> list[str]:  # noqa: ANN001
    """Return the question ids of the attempt page, in the order shown."""
    names = page.eval_on_selector_all(
        "fieldset.question input[type=radio][value='0']",
        "nodes => nodes.map(n => n.name)",
    )
    return [name.removeprefix("answer-") for name in names]


def answer(page, unit, number: int, question_id: str, right: bool) -> None:  # noqa: ANN001
    question = unit.question(question_id)
    index = question.answer if right else (question.answer + 1) % len(question.options)
    page.locator(f"#answer-{number}-{index}").check()


def answer_all(page, unit, right: bool) -> None:  # noqa: ANN001
    for number, question_id in enumerate(drawn_questions(page), 1):
        answer(page, unit, number, question_id, right)


def open_unit(page, base: str, title: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/my/units")
    page.get_by_role("link", name=title, exact=True).click()


def start_and_submit(page, unit, right: bool) -> None:  # noqa: ANN001
    page.get_by_role("button", name=re.compile(r"^Start")).click()
    answer_all(page, unit, right)
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r".*/result$"))


def test_group_assign_take_retake_resume(app, school, live_server, page) -> None:
    from playwright.sync_api import expect

    suite = real_suite()
    group = rosters.create_group(school.org.id, "Morning class", actor_id=None)
    rosters.add_members(
        group, [learner.id for learner in school.learners], actor_id=None
    )
    db.session.commit()
    start = balance(school.org.id)
    base = live_server

    # The instructor assigns the subscription to the whole group.
    log_in(page, base, school.instructor.email)
    page.goto(f"{base}/assignments/new")
    page.get_by_label("Group").select_option(label="Morning class")
    page.get_by_role("button", name="Filter").click()
    page.get_by_label("Select all 2 matching learners, on every page").check()
    page.get_by_label("Suite").select_option(label="Workplace Readiness")
    page.get_by_role("button", name="Choose units and see the quote").click()
    expect(page.locator(".quote-total")).to_have_text("10 credits")
    page.get_by_role(
        "button", name="Confirm: assign to 2 learners for 10 credits"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Assigned Workplace Readiness to 2 learners"
    )
    log_out(page)
    db.session.expire_all()
    assert balance(school.org.id) == start - 10

    learner = school.learners[0]
    first, second = [unit for unit in suite.units if unit.is_assessment][:2]
    sb = suite.skill_building_unit(second.area)

    # The learner passes one unit and fails another.
    log_in(page, base, learner.email)
    page.wait_for_url(re.compile(r".*/my/units$"))
    open_unit(page, base, first.title)
    start_and_submit(page, first, right=True)
    expect(page.locator("p.result")).to_contain_text("Passed")
    open_unit(page, base, second.title)
    start_and_submit(page, second, right=False)
    expect(page.locator("p.result")).to_contain_text("Not passed")

    # The failed assessment brought in its skill-building unit: fail it once.
    open_unit(page, base, sb.title)
    expect(page.get_by_role("heading", name="Lesson")).to_be_visible()
    start_and_submit(page, sb, right=False)
    expect(page.locator("p.notice")).to_contain_text("This unit is reassigned to you")

    # Retake it, answering half with the keyboard and mouse, then log out.
    open_unit(page, base, sb.title)
    page.get_by_role("button", name="Start again").click()
    ids = drawn_questions(page)
    half = len(ids) // 2
    first_question = sb.question(ids[0])
    page.locator("#answer-1-0").focus()
    page.keyboard.press("Space")
    for _ in range(first_question.answer):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"#answer-1-{first_question.answer}")).to_be_checked()
    for number, question_id in enumerate(ids[1:half], 2):
        answer(page, sb, number, question_id, right=True)
    expect(page.locator("#save-status")).to_have_text(
        f"Saved {half} of {len(ids)} answers."
    )
    log_out(page)

    # Back again: the attempt resumes with the saved answers, then passes.
    log_in(page, base, learner.email)
    open_unit(page, base, sb.title)
    page.get_by_role("link", name="Resume the attempt").click()
    for number, question_id in enumerate(ids[:half], 1):
        expect(
            page.locator(f"#answer-{number}-{sb.question(question_id).answer}")
        ).to_be_checked()
    for number, question_id in enumerate(ids[half:], half + 1):
        answer(page, sb, number, question_id, right=True)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("p.result")).to_contain_text("Passed")
    expect(page.locator(".score")).to_have_text("100%")

    db.session.expire_all()
    retaken = unit_of(learner, sb.key)
    assert retaken.status is UnitStatus.PASSED
    assert retaken.attempts_used == 2
    assert retaken.best_score == 100
    numbers = db.session.scalars(
        select(Attempt.number).where(Attempt.unit_assignment_id == retaken.id)
    ).all()
    assert sorted(numbers) == [1, 2]
    statuses = dict(
        db.session.execute(
            select(UnitAssignment.unit_key, UnitAssignment.status).where(
                UnitAssignment.learner_id == learner.id,
                UnitAssignment.unit_key.in_([first.key, second.key]),
            )
        ).all()
    )
    assert statuses == {first.key: UnitStatus.PASSED, second.key: UnitStatus.FAILED}
