"""The group print page: who is included, who is skipped and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from laurel.extensions import db
from laurel.printing.models import PrintJob
from laurel.rosters import services as rosters

NAMES = [
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Zoë", "Martin"),
]


def class_group(school, learners):  # noqa: ANN001, ANN201
    group = rosters.create_group(school.org.id, "10B", actor_id=None)
    rosters.add_members(group, [learner.id for learner in learners], actor_id=None)
    db.session.commit()
    return group


def test_group_page_counts_and_reasons(
    client, login, make_school, make_credential
) -> None:  # noqa: ANN001
    school = make_school(NAMES)
    ada, grace, alan, zoe = school.learners
    make_credential(ada)
    make_credential(zoe)
    make_credential(grace, revoked_at=datetime(2026, 12, 6))
    group = class_group(school, [ada, grace, alan, zoe])
    login(school.instructor)
    page = client.get(f"/print/credentials?all=1&group={group.id}").get_data(
        as_text=True
    )
    assert "2 credentials included; 2 learners skipped." in page
    assert "credential revoked on 2026-12-06" in page
    assert "no credential for this suite" in page
    assert "Print 2 credentials" in page
    # Included learners are listed in print order: Lovelace, then Martin.
    assert page.index("Ada Lovelace") < page.index("Zoë Martin")


def test_group_print_creates_job(
    client, login, make_school, make_credential, wait_for_jobs
) -> None:  # noqa: ANN001
    school = make_school(NAMES)
    ada, grace, alan, zoe = school.learners
    credentials = [make_credential(zoe), make_credential(ada)]
    group = class_group(school, [ada, alan, zoe])
    login(school.instructor)
    response = client.post(
        "/print/credentials",
        data={"all": "1", "group": str(group.id), "suite": "workplace_readiness"},
        follow_redirects=True,
    )
    wait_for_jobs()
    job = db.session.scalars(select(PrintJob)).one()
    assert "Printing 2 credentials; 1 learner skipped." in response.get_data(
        as_text=True
    )
    assert job.title == "Group 10B, Workplace Readiness"
    assert [item.credential_id for item in job.items] == [
        credentials[1].id,
        credentials[0].id,
    ]
    assert job.requested_outputs == ["merged", "zip", "manifest"]
    assert job.requested_by_id == school.instructor.id


def test_selection_prints_ticked_learners(
    client, login, make_school, make_credential, wait_for_jobs
) -> None:  # noqa: ANN001
    school = make_school(NAMES)
    ada, grace, alan, zoe = school.learners
    make_credential(ada)
    make_credential(grace)
    make_credential(zoe)
    login(school.instructor)
    page = client.get(f"/print/credentials?user_id={grace.id}&user_id={zoe.id}")
    assert "2 credentials included; 0 learners skipped." in page.get_data(as_text=True)
    client.post(
        "/print/credentials",
        data={"user_id": [str(grace.id), str(zoe.id)], "suite": "workplace_readiness"},
    )
    wait_for_jobs()
    job = db.session.scalars(select(PrintJob)).one()
    assert job.title == "2 selected learners, Workplace Readiness"
    assert [item.credential.learner_id for item in job.items] == [grace.id, zoe.id]


def test_nothing_to_print_rejected(client, login, make_school, make_credential) -> None:  # noqa: ANN001
    school = make_school(NAMES)
    ada = school.learners[0]
    make_credential(school.learners[1])
    login(school.instructor)
    response = client.post(
        "/print/credentials",
        data={"user_id": str(ada.id), "suite": "workplace_readiness"},
    )
    assert response.status_code == 400
    assert "none of the chosen learners has a valid credential" in response.get_data(
        as_text=True
    )
    assert db.session.scalars(select(PrintJob)).all() == []


def test_suite_choice_needed_for_two(
    client, login, make_school, make_credential
) -> None:  # noqa: ANN001
    school = make_school(NAMES)
    ada = school.learners[0]
    make_credential(ada)
    make_credential(ada, suite_key="customer_service", suite_title="Customer Service")
    login(school.instructor)
    page = client.get("/print/credentials?all=1").get_data(as_text=True)
    assert "Choose a suite" in page
    assert "credentials included" not in page
    chosen = client.get("/print/credentials?all=1&suite=customer_service").get_data(
        as_text=True
    )
    assert "1 credential included; 3 learners skipped." in chosen


def test_no_credentials_yet(client, login, school) -> None:  # noqa: ANN001
    login(school.instructor)
    page = client.get("/print/credentials").get_data(as_text=True)
    assert "No credentials have been issued in this organisation yet." in page


def test_group_page_links_to_print(client, login, school) -> None:  # noqa: ANN001
    group = class_group(school, school.learners)
    login(school.instructor)
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f"/print/credentials?all=1&amp;group={group.id}" in page


def test_learner_page_lists_credentials(client, login, school, make_credential) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    login(school.instructor)
    page = client.get(f"/learners/{school.learners[0].id}").get_data(as_text=True)
    assert credential.code in page
    assert f"/credentials/{credential.public_id}/print" in page


def test_learner_cannot_print(client, login, school, make_credential) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    login(school.learners[0])
    assert client.post(f"/credentials/{credential.public_id}/print").status_code == 403
    assert client.get("/print/credentials").status_code == 403
    detail = client.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    assert f"/credentials/{credential.public_id}/print" not in detail


def test_detail_page_has_print_button(client, login, school, make_credential) -> None:  # noqa: ANN001
    credential = make_credential(school.learners[0])
    login(school.instructor)
    detail = client.get(f"/credentials/{credential.public_id}").get_data(as_text=True)
    assert f'action="/credentials/{credential.public_id}/print"' in detail


def test_assign_page_offers_print(client, login, school) -> None:  # noqa: ANN001
    login(school.instructor)
    page = client.get("/assignments/new").get_data(as_text=True)
    assert 'formaction="/print/credentials"' in page
