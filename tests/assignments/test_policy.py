"""The organisation's policy page: the extra-attempt cap and area pass marks."""

from __future__ import annotations

from laurel.assignments import policies
from laurel.assignments.models import AreaPassMark
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from sqlalchemy import select

from tests.assignments.helpers import count


def mark_field(suite, area_index: int = 0) -> str:  # noqa: ANN001
    return f"pass_mark-{suite.key}-{suite.areas[area_index].key}"


def test_policy_page_saves(app, school, suite, login) -> None:
    client = login(school.admin)
    page = client.get("/assignments/policy").get_data(as_text=True)
    assert 'name="extra_attempt_cap"' in page
    assert 'value="1"' in page
    assert f'name="{mark_field(suite)}"' in page
    response = client.post(
        "/assignments/policy", data={"extra_attempt_cap": "3", mark_field(suite): "85"}
    )
    assert response.status_code == 302
    db.session.refresh(school.org)
    assert school.org.extra_attempt_cap == 3
    marks = policies.pass_marks(school.org.id, suite)
    assert marks[suite.areas[0].key] == 85
    assert marks[suite.areas[1].key] == suite.rules.pass_mark
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("policy.%"))
    ).all()
    assert sorted(actions) == [
        "policy.extra_attempt_cap_changed",
        "policy.pass_mark_changed",
    ]

    client.post(
        "/assignments/policy", data={"extra_attempt_cap": "3", mark_field(suite): ""}
    )
    assert count(AreaPassMark) == 0
    assert policies.pass_mark(school.org.id, suite, suite.areas[0].key) == 70


def test_policy_rejects_bad_values(app, school, suite, login) -> None:
    client = login(school.admin)
    response = client.post(
        "/assignments/policy",
        data={
            "extra_attempt_cap": "2",
            mark_field(suite): "45",
            mark_field(suite, 1): "x",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    area = suite.areas[0].title
    assert (
        f"Pass mark &#39;45&#39; for {area} is invalid; enter a whole percentage "
        "from 50 to 100." in body
    )
    assert "Pass mark &#39;x&#39;" in body
    assert "Nothing was saved: 2 values are invalid." in body
    db.session.refresh(school.org)
    assert school.org.extra_attempt_cap == 1
    assert count(AreaPassMark) == 0

    response = client.post("/assignments/policy", data={"extra_attempt_cap": "-1"})
    assert response.status_code == 400
    assert "Extra attempt cap &#39;-1&#39; is invalid" in response.get_data(
        as_text=True
    )


def test_policy_for_org_admins_only(app, school, login) -> None:
    client = login(school.instructor)
    assert client.get("/assignments/policy").status_code == 403
    response = client.post("/assignments/policy", data={"extra_attempt_cap": "9"})
    assert response.status_code == 403
    db.session.refresh(school.org)
    assert school.org.extra_attempt_cap == 1
