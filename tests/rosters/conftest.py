"""Fixtures for the roster import tests: an organisation, its staff, roster files."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.rosters import importer
from sqlalchemy import func, select


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]], extra_sheets: int = 0) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Class 7A"
    for row in rows:
        sheet.append(row)
    for number in range(extra_sheets):
        workbook.create_sheet(f"Other {number + 1}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def learner_count(org: Organisation) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.org_id == org.id, User.role == Role.LEARNER)
    )


def learner(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


@pytest.fixture
def org(make_org: Callable[..., Organisation]) -> Organisation:
    return make_org("riverside", "Riverside College")


@pytest.fixture
def instructor(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, Role.INSTRUCTOR, email="teacher@riverside.example")


@pytest.fixture
def run_import(
    org: Organisation, instructor: User
) -> Callable[..., importer.ImportOutcome]:
    """Plan and commit a file for ``org`` as ``instructor``, as the wizard does."""

    def run(
        data: bytes,
        filename: str = "roster.csv",
        *,
        mode: str = importer.ADD,
        valid_only: bool = False,
    ) -> importer.ImportOutcome:
        plan = importer.read_and_plan(data, filename, org.id, mode)
        outcome = importer.commit_import(
            plan, valid_only=valid_only, actor_id=instructor.id, reference="test"
        )
        db.session.commit()
        return outcome

    return run
