"""The organisation's paper size: set by its org admin, used by new jobs."""

from __future__ import annotations

import re

from sqlalchemy import select

from laurel.audit.models import AuditEvent
from laurel.extensions import db


def test_admin_sets_letter(client, login, school) -> None:  # noqa: ANN001
    login(school.admin)
    response = client.post("/settings/printing", data={"page_size": "Letter"})
    assert response.status_code == 302
    assert school.org.page_size == "Letter"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "organisation.page_size_changed")
    ).one()
    assert event.actor_id == school.admin.id
    assert event.details == {"previous": "A4", "page_size": "Letter"}
    page = client.get("/settings/printing").get_data(as_text=True)
    assert re.search(r'<input checked [^>]*value="Letter"', page)


def test_invalid_size_rejected(client, login, school) -> None:  # noqa: ANN001
    login(school.admin)
    response = client.post("/settings/printing", data={"page_size": "A3"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert school.org.page_size == "A4"


def test_instructor_cannot_change_size(client, login, school) -> None:  # noqa: ANN001
    login(school.instructor)
    assert client.get("/settings/printing").status_code == 403
    assert (
        client.post("/settings/printing", data={"page_size": "Letter"}).status_code
        == 403
    )
    assert school.org.page_size == "A4"
