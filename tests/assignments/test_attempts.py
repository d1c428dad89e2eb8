"""Taking units: the learner's pages, saving answers, submitting once, hooks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from laurel.assignments import attempts
from laurel.assignments.models import Attempt, UnitStatus
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.plugins import hookimpl
from laurel.plugins.registry import state
from sqlalchemy import select

from tests.assignments.helpers import (
    answers_with,
    assign,
    count,
    form_answers,
    take,
    unit_of,
)


def first_assessment(suite):  # noqa: ANN001, ANN201
    return next(unit for unit in suite.units if unit.is_assessment)


def start_from_page(client, ua) -> Attempt:  # noqa: ANN001
    response = client.post(f"/my/units/{ua.id}/start")
    assert response.status_code == 302
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Attempt, attempt_id)


def test_my_units_in_suite_order(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    take(unit_of(learner, first_assessment(suite).key), correct=2)
    client = login(learner)
    page = client.get("/my/units").get_data(as_text=True)
    titles = re.findall(r'<td><a href="/my/units/\d+">([^<]+)</a></td>', page)
    expected = [
        u.title for u in suite.units if u.is_assessment or u.area == suite.areas[0].key
    ]
    assert titles == expected
    assert "Subscription from" in page
    assert re.search(r"until \d{4}-\d{2}-\d{2}\.", page)
    assert 'status-failed">failed</span>' in page
    assert page.count('status-not_started">not started</span>') == 10
    assert "1 used, 0 left" in page
    assert "0 used, 1 left" in page


def test_dashboard_sends_learner_to_units(app, school, login) -> None:
    client = login(school.learners[0])
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my/units")


def test_lesson_then_questions(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    take(unit_of(learner, first_assessment(suite).key), correct=0)
    sb_unit = suite.skill_building_unit(suite.areas[0].key)
    ua = unit_of(learner, sb_unit.key)
    client = login(learner)
    page = client.get(f"/my/units/{ua.id}").get_data(as_text=True)
    assert '<h2 id="lesson-heading">Lesson</h2>' in page
    assert sb_unit.lesson[0].heading in page
    attempt = start_from_page(client, ua)
    page = client.get(f"/my/attempts/{attempt.id}").get_data(as_text=True)
    assert page.count('<fieldset class="question"') == sb_unit.draw
    assert page.count("<legend>") == sb_unit.draw
    assert "attempt.js" in page
    assert "<script>" not in page  # no inline script
    for question_id in attempt.question_ids:
        assert page.count(f'name="answer-{question_id}"') == len(
            sb_unit.question(question_id).options
        )
    assert f'formaction="/my/attempts/{attempt.id}/save"' in page


def test_attempt_records_draw(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    unit = first_assessment(suite)
    attempt = attempts.start_attempt(unit_of(learner, unit.key))
    db.session.commit()
    assert attempt.suite_version == suite.version
    assert attempt.number == 1
    assert len(attempt.question_ids) == unit.draw
    assert len(set(attempt.question_ids)) == unit.draw
    assert set(attempt.question_ids) <= {q.id for q in unit.questions}
    assert attempt.answers == {}
    draws = {tuple(attempts.draw_questions(unit)) for _ in range(20)}
    assert len(draws) > 1  # random, not the pool's first questions every time


def test_answers_survive_logout(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    client = login(learner)
    attempt = start_from_page(client, ua)
    chosen = dict(list(form_answers(attempt, correct=3).items())[:3])
    response = client.post(
        f"/my/attempts/{attempt.id}/save", data=chosen, follow_redirects=True
    )
    assert "Saved 3 of 10 answers." in response.get_data(as_text=True)

    client.post("/logout")
    client = login(learner)
    unit_page = client.get(f"/my/units/{ua.id}").get_data(as_text=True)
    assert "with 3 of 10 questions answered" in unit_page
    page = client.get(f"/my/attempts/{attempt.id}").get_data(as_text=True)
    for field, value in chosen.items():
        assert re.search(rf'name="{field}" value="{value}" checked', page), field
    assert start_from_page(client, ua).id == attempt.id  # resumes, no new attempt
    assert count(Attempt) == 1


def test_save_answers_as_json(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    client = login(learner)
    attempt = start_from_page(client, unit_of(learner, first_assessment(suite).key))
    first_id = attempt.question_ids[0]
    response = client.post(
        f"/my/attempts/{attempt.id}/save",
        data={f"answer-{first_id}": "1"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"answered": 1, "total": 10}
    response = client.post(
        f"/my/attempts/{attempt.id}/save",
        data={f"answer-{first_id}": "9"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(
        "Answer '9' to question 1 is not one of its"
    )
    db.session.refresh(attempt)
    assert attempt.answers == {first_id: 1}


def test_submit_once_and_result(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    client = login(learner)
    attempt = start_from_page(client, ua)
    data = form_answers(attempt, correct=8)
    for _ in range(2):
        response = client.post(f"/my/attempts/{attempt.id}/submit", data=data)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(
            f"/my/attempts/{attempt.id}/result"
        )
    db.session.refresh(attempt)
    assert attempt.score == 80
    assert attempt.passed is True
    assert count(AuditEvent, AuditEvent.action == "attempt.submitted") == 1
    page = client.get(f"/my/attempts/{attempt.id}/result").get_data(as_text=True)
    assert '<strong class="score">80%</strong> (8 of 10 correct)' in page
    assert "Passed" in page
    for question in attempts.questions_of(attempt, suite):
        assert question.explanation.replace("'", "&#39;").replace('"', "&#34;") in page
    assert page.count('<span class="status status-failed">incorrect</span>') == 2
    late = client.post(
        f"/my/attempts/{attempt.id}/save",
        data=data,
        headers={"Accept": "application/json"},
    )
    assert late.status_code == 409
    assert client.get(f"/my/attempts/{attempt.id}").status_code == 302


def test_saved_answers_count_at_submit(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    attempt = attempts.start_attempt(ua)
    attempts.save_answers(attempt, answers_with(attempt, correct=10))
    db.session.commit()
    assert attempts.submit_attempt(attempt, {})
    db.session.commit()
    assert attempt.score == 100


def test_other_learner_gets_404(app, school, suite, login) -> None:
    owner, other = school.learners
    assign(school.org.id, school.instructor, [owner])
    ua = unit_of(owner, first_assessment(suite).key)
    attempt = attempts.start_attempt(ua)
    db.session.commit()
    client = login(other)
    assert client.get(f"/my/units/{ua.id}").status_code == 404
    assert client.post(f"/my/units/{ua.id}/start").status_code == 404
    assert client.get(f"/my/attempts/{attempt.id}").status_code == 404
    assert client.post(f"/my/attempts/{attempt.id}/submit", data={}).status_code == 404
    staff = login(school.instructor)
    assert staff.get("/my/units").status_code == 403


def test_no_attempts_left_message(app, school, suite, login) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    take(ua, correct=1)
    client = login(learner)
    page = client.get(f"/my/units/{ua.id}").get_data(as_text=True)
    assert "You have used every attempt at this unit." in page
    response = client.post(f"/my/units/{ua.id}/start", follow_redirects=True)
    assert "You have used every attempt at this unit." in response.get_data(
        as_text=True
    )
    assert count(Attempt) == 1


class EventRecorder:
    """A plugin that records the attempt and credential events it receives."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    @hookimpl
    def laurel_attempt_finished(self, attempt) -> None:  # noqa: ANN001
        self.events.append(("attempt_finished", attempt.id))

    @hookimpl
    def laurel_unit_failed(self, assignment) -> None:  # noqa: ANN001
        self.events.append(("unit_failed", assignment.id))

    @hookimpl
    def laurel_credential_issued(self, credential) -> None:  # noqa: ANN001
        self.events.append(("credential_issued", credential.code))


class FullMarks(EventRecorder):
    """A plugin that scores every attempt 100 and records what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.scored: list[dict[str, Any]] = []

    @hookimpl(tryfirst=True)
    def laurel_score_attempt(self, suite, unit, questions, answers) -> dict[str, Any]:  # noqa: ANN001
        self.scored.append(
            {
                "unit": unit["key"],
                "questions": [q["id"] for q in questions],
                "answers": answers,
            }
        )
        return {"score": 100, "correct": len(questions), "total": len(questions)}


def registered(app, plugin, name: str):  # noqa: ANN001, ANN201
    manager = state(app).manager
    manager.register(plugin, name=name)
    yield plugin
    manager.unregister(name=name)


@pytest.fixture
def full_marks(app):  # noqa: ANN001, ANN201
    yield from registered(app, FullMarks(), "test-full-marks")


@pytest.fixture
def recorder(app):  # noqa: ANN001, ANN201
    yield from registered(app, EventRecorder(), "test-recorder")


def test_scoring_goes_through_hook(app, school, suite, full_marks) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    attempt = take(ua, correct=0)  # every answer wrong, but the plugin says 100
    assert attempt.score == 100
    assert attempt.passed is True
    assert ua.status is UnitStatus.PASSED
    assert full_marks.scored == [
        {
            "unit": ua.unit_key,
            "questions": attempt.question_ids,
            "answers": answers_with(attempt, correct=0),
        }
    ]
    assert full_marks.events == [("attempt_finished", attempt.id)]


def test_events_for_fail_and_credential(app, school, suite, recorder) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    units = [unit_of(learner, u.key) for u in suite.units if u.is_assessment]
    failed = take(units[0], correct=1)
    assert recorder.events == [
        ("attempt_finished", failed.id),
        ("unit_failed", units[0].id),
    ]
    recorder.events.clear()
    for ua in units[1:]:
        take(ua, correct=9)
    assert [name for name, _ in recorder.events] == ["attempt_finished"] * 9
    sb = unit_of(learner, suite.skill_building_unit(suite.areas[0].key).key)
    last = take(sb, correct=8)
    assert recorder.events[-2] == ("attempt_finished", last.id)
    assert recorder.events[-1][0] == "credential_issued"
    assert [name for name, _ in recorder.events].count("credential_issued") == 1


def test_question_order_kept(app, school, suite) -> None:
    learner = school.learners[0]
    assign(school.org.id, school.instructor, [learner])
    ua = unit_of(learner, first_assessment(suite).key)
    attempt = attempts.start_attempt(ua)
    db.session.commit()
    stored = list(attempt.question_ids)
    page_order = [q.id for q in attempts.questions_of(attempt, suite)]
    assert page_order == stored
    again = db.session.scalar(select(Attempt).where(Attempt.id == attempt.id))
    assert again.question_ids == stored
