"""Learner reports: units with attempts, reassignments, credential status, access."""

from __future__ import annotations

import html
from typing import Any

import pytest

from laurel.identity.models import Organisation, Role, User
from laurel.plugins.suites import Suite
from tests.reports.seeding import (
    failed,
    in_progress,
    passed,
    reassigned,
    seed_credential,
    seed_progress,
)


@pytest.fixture
def learner(make_user: Any, org: Organisation) -> User:
    return make_user(org, Role.LEARNER, first_name="Zoë", last_name="Nguyễn")


@pytest.fixture
def progress(org: Organisation, learner: User, suite: Suite, instructor: User) -> None:
    seed_progress(
        org.id,
        learner.id,
        suite,
        {
            "communication_test": failed(40),
            "communication_lesson": passed(55, 90),
            "teamwork_test": reassigned(35, by=instructor.id),
            "safety_test": reassigned(20),
            "digital_test": in_progress(),
        },
    )


def page_text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_report_lists_attempts(client, login, instructor, learner, progress) -> None:
    login(instructor)
    body = page_text(client.get(f"/reports/learners/{learner.id}"))
    assert "Report: Zoë Nguyễn" in body
    assert (
        "Attempt 1: started 2025-03-04 08:40, submitted 2025-03-04 09:00, 40%" in body
    )
    assert (
        "Attempt 2: started 2025-03-05 08:40, submitted 2025-03-05 09:00, 90%" in body
    )
    assert "<strong>failed</strong>" in body
    assert "<strong>passed</strong>" in body
    assert "Attempt 1: started 2025-03-04 09:00, not submitted yet" in body
    assert "1 of 2" in body  # the reassigned teamwork test
    assert "90%</td>" in body  # best score of the communication lesson


def test_report_names_who_reassigned(
    client, login, instructor, learner, progress
) -> None:
    login(instructor)
    body = page_text(client.get(f"/reports/learners/{learner.id}"))
    assert "Ines Instructor, 2025-03-04 11:00" in body
    assert "automatically, 2025-03-04 11:00" in body


def test_report_lists_missing_areas(
    client, login, instructor, learner, progress
) -> None:
    login(instructor)
    body = page_text(client.get(f"/reports/learners/{learner.id}"))
    assert "areas still missing: Teamwork, Safety" in body


def test_report_shows_credential(
    client, login, org, instructor, learner, suite
) -> None:
    seed_progress(org.id, learner.id, suite, {"communication_test": passed(80)})
    credential = seed_credential(org, learner, suite)
    login(instructor)
    body = page_text(client.get(f"/reports/learners/{learner.id}"))
    assert f"{credential.code}, issued 2025-04-02" in body
    assert "revoked" not in body


def test_report_shows_revoked_credential(
    client, login, org, instructor, learner, suite
) -> None:
    seed_progress(org.id, learner.id, suite, {"communication_test": passed(80)})
    credential = seed_credential(org, learner, suite, revoked=True)
    login(instructor)
    staff_view = page_text(client.get(f"/reports/learners/{learner.id}"))
    assert f"{credential.code}, issued 2025-04-02" in staff_view
    assert "<strong>revoked</strong> on 2025-04-12: issued in error" in staff_view
    login(learner)
    own_view = page_text(client.get("/reports/me"))
    assert "<strong>revoked</strong> on 2025-04-12" in own_view
    assert "issued in error" not in own_view


def test_report_lists_unassigned_units(
    client, login, instructor, learner, progress, suite
) -> None:
    login(instructor)
    body = page_text(client.get(f"/reports/learners/{learner.id}"))
    for unit in suite.units:
        assert unit.title in body
    assert body.count('cell-not_assigned">not assigned') == 3


def test_report_without_suites(client, login, learner) -> None:
    login(learner)
    body = page_text(client.get("/reports/me"))
    assert "You have no suites assigned yet." in body


def test_learner_sees_own_report(client, login, learner, progress) -> None:
    login(learner)
    body = page_text(client.get("/reports/me"))
    assert "My report" in body
    assert "Attempt 2: started 2025-03-05 08:40" in body
    assert 'href="/reports/me"' in body  # the menu entry


def test_learner_cannot_see_other_reports(
    client, login, org, make_user, learner, progress
) -> None:
    other = make_user(org, Role.LEARNER, first_name="Other")
    login(other)
    assert client.get(f"/reports/learners/{learner.id}").status_code == 403
    assert client.get(f"/reports/learners/{learner.id}/export.csv").status_code == 403
    own = page_text(client.get("/reports/me"))
    assert "Nguyễn" not in own


def test_staff_get_404_for_other_orgs(
    client, login, make_org, make_user, learner, progress
) -> None:
    other_org = make_org("elsewhere", "Elsewhere College")
    login(make_user(other_org, Role.INSTRUCTOR))
    assert client.get(f"/reports/learners/{learner.id}").status_code == 404
    assert client.get(f"/reports/learners/{learner.id}/export.xlsx").status_code == 404


def test_report_of_staff_member_is_404(
    client, login, instructor, org, make_user
) -> None:
    admin = make_user(org, Role.ORG_ADMIN)
    login(instructor)
    assert client.get(f"/reports/learners/{admin.id}").status_code == 404


def test_staff_have_no_own_report(client, login, instructor) -> None:
    login(instructor)
    assert client.get("/reports/me").status_code == 403


def test_learner_page_links_report(client, login, instructor, learner) -> None:
    login(instructor)
    body = page_text(client.get(f"/learners/{learner.id}"))
    assert f'href="/reports/learners/{learner.id}"' in body
