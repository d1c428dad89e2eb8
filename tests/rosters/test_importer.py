"""Planning and committing imports against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging

import pytest
from laurel.audit.models import AuditEvent
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.passwords import hash_password, verify_password
from laurel.rosters import importer
from laurel.rosters import services as rosters
from laurel.rosters.import_writing import write_plan
from laurel.rosters.models import Group
from sqlalchemy import event, func, select

from tests.conftest import TEST_PASSWORD
from tests.rosters.conftest import csv_bytes, learner, learner_count, xlsx_bytes

HEADER = "First name,Last name,Email,Student id,Group"
EXACT_NAMES = [
    ("Siobhán", "O'Brien-Walsh"),
    ("Zoë", "Brown"),
    ("Văn An", "Nguyễn"),
    ("민준", "김민준"),
    ("محمد", "العلي"),
    ("<b>Tom</b>", "Smith & Sons"),
]


def plan(org, data: bytes, mode: str = importer.ADD) -> importer.ImportPlan:
    return importer.read_and_plan(data, "roster.csv", org.id, mode)


def statuses(result: importer.ImportPlan) -> dict[int, str]:
    return {row.number: row.status for row in result.rows}


def test_creates_learners_with_groups(org, run_import) -> None:
    outcome = run_import(
        csv_bytes(
            HEADER, "Ann,Lee,ann@example.org,S1,7A; Choir", "Bo,Ng,bo@example.org,,7a"
        )
    )
    assert outcome.committed
    assert outcome.created == 2
    ann = learner("ann@example.org")
    assert ann.role is Role.LEARNER
    assert ann.org_id == org.id
    assert ann.external_id == "S1"
    assert rosters.groups_of([ann.id])[ann.id] == ["7A", "Choir"]
    bo = learner("bo@example.org")
    assert rosters.groups_of([bo.id])[bo.id] == ["7A"], (
        "group names match ignoring case"
    )
    assert db.session.scalar(select(func.count()).select_from(Group)) == 2


def test_names_kept_exactly(org, run_import) -> None:
    lines = [
        f'"{first}","{last}",person{n}@example.org,,'
        for n, (first, last) in enumerate(EXACT_NAMES)
    ]
    run_import(csv_bytes(HEADER, *lines))
    for number, (first, last) in enumerate(EXACT_NAMES):
        account = learner(f"person{number}@example.org")
        assert account.first_name == first
        assert account.last_name == last


def test_full_name_column_split(org, run_import) -> None:
    run_import(
        csv_bytes(
            "Full name,E-mail",
            '"O\'Brien-Walsh, Siobhán",s@example.org',
            "Jan van der Berg,j@example.org",
        )
    )
    assert (
        learner("s@example.org").first_name,
        learner("s@example.org").last_name,
    ) == ("Siobhán", "O'Brien-Walsh")
    assert learner("j@example.org").last_name == "van der Berg"


def test_single_word_full_name_is_error(org) -> None:
    result = plan(org, csv_bytes("Name,Email", "김민준,k@example.org"))
    (error,) = result.errors
    assert error.column == "Name"
    assert "first and a last name" in error.message


def test_missing_column_rejects_file(org) -> None:
    with pytest.raises(
        importer.RosterFileError, match="Headers found: 'Given name', 'Mail'"
    ):
        plan(org, csv_bytes("Given name,Mail", "A,a@example.org"))


def test_duplicates_by_case_and_spaces(org, run_import) -> None:
    data = csv_bytes(
        HEADER,
        "Ann,Lee, Ann@Example.org ,,",
        "Ann,Lee,ann@example.org,,",
        "Bo,Ng,bo@example.org,,",
    )
    result = plan(org, data)
    assert statuses(result) == {2: "error", 3: "error", 4: "create"}
    messages = {error.row: error.message for error in result.errors}
    assert "row 3 has it too" in messages[2]
    assert "row 2 has it too" in messages[3]
    assert {error.column for error in result.errors} == {"Email"}
    outcome = run_import(data)
    assert not outcome.committed
    assert learner_count(org) == 0


def test_duplicate_student_ids(org) -> None:
    result = plan(
        org, csv_bytes(HEADER, "A,B,a@example.org,S1,", "C,D,c@example.org,S1,")
    )
    assert [error.column for error in result.errors] == ["Student id", "Student id"]


def test_existing_account_add_mode_unchanged(org, make_user, run_import) -> None:
    existing = make_user(
        org, email="ann@example.org", first_name="Ann", last_name="Old"
    )
    outcome = run_import(csv_bytes(HEADER, "Ann,New,ANN@example.org,,"))
    assert outcome.unchanged == 1
    assert outcome.created == 0
    assert learner("ann@example.org").last_name == "Old"
    assert learner_count(org) == 1
    assert (
        "Update mode would change last name 'Old' to 'New'"
        in outcome.plan.rows[0].notes[0]
    )
    assert verify_password(learner("ann@example.org").password_hash, TEST_PASSWORD)
    assert existing.id == learner("ann@example.org").id


def test_existing_account_update_mode(org, make_user, run_import) -> None:
    make_user(org, email="ann@example.org", first_name="Ann", last_name="Old")
    outcome = run_import(
        csv_bytes(HEADER + ",Password", "Ann,New,ann@example.org,S9,7B,newpassword1"),
        mode="update",
    )
    assert outcome.updated == 1
    account = learner("ann@example.org")
    assert account.last_name == "New"
    assert account.external_id == "S9"
    assert rosters.groups_of([account.id])[account.id] == ["7B"]
    assert learner_count(org) == 1, "never a second account"
    assert verify_password(account.password_hash, TEST_PASSWORD), "the password is kept"


def test_update_mode_keeps_student_id_when_cell_empty(
    org, make_user, run_import
) -> None:
    user = make_user(org, email="ann@example.org", first_name="Ann", last_name="Lee")
    user.external_id = "S5"
    db.session.commit()
    outcome = run_import(csv_bytes(HEADER, "Ann,Lee,ann@example.org,,"), mode="update")
    assert outcome.unchanged == 1
    assert learner("ann@example.org").external_id == "S5"


def test_other_org_email_reveals_nothing(org, make_org, make_user) -> None:
    other = make_org("hillside", "Hillside Academy")
    make_user(other, email="taken@example.org", first_name="Hidden", last_name="Person")
    make_user(None, Role.PLATFORM_ADMIN, email="admin@example.org")
    result = plan(
        org,
        csv_bytes(HEADER, "A,B,taken@example.org,,", "C,D,admin@example.org,,"),
        mode="update",
    )
    first, second = result.errors
    assert first.message == importer.UNUSABLE_EMAIL
    assert second.message == first.message, "same wording for any account elsewhere"
    for leaked in ("Hillside", "hillside", "Hidden", "Person", "admin", "organisation"):
        assert leaked not in first.message


def test_staff_email_of_same_org_rejected(org, instructor) -> None:
    result = plan(org, csv_bytes(HEADER, f"A,B,{instructor.email},,"), mode="update")
    assert "instructor of this organisation" in result.errors[0].message


def test_bad_email(org) -> None:
    result = plan(org, csv_bytes(HEADER, "A,B,not-an-email,,", "C,D,,,"))
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "Email", "not-an-email"),
        (3, "Email", ""),
    ]
    assert "not an email address" in result.errors[0].message
    assert result.errors[1].message == "Email is missing."


def test_missing_names_are_errors(org) -> None:
    result = plan(org, csv_bytes(HEADER, ",B,a@example.org,,", "A,,b@example.org,,"))
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "First name", "First name is missing."),
        (3, "Last name", "Last name is missing."),
    ]


def test_reimport_changes_nothing(org, run_import) -> None:
    data = csv_bytes(
        HEADER, "Ann,Lee,ann@example.org,S1,7A", "Bo,Ng,bo@example.org,S2,7A;7B"
    )
    run_import(data)
    before = learner("ann@example.org").password_hash
    for mode in importer.MODES:
        outcome = run_import(data, mode=mode)
        assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)
    assert learner("ann@example.org").password_hash == before
    assert learner_count(org) == 2


def test_student_id_of_other_learner_rejected(org, make_user) -> None:
    user = make_user(org, email="ann@example.org")
    user.external_id = "S1"
    db.session.commit()
    result = plan(org, csv_bytes(HEADER, "Bo,Ng,bo@example.org,S1,"))
    assert "belongs to another account" in result.errors[0].message
    assert result.errors[0].column == "Student id"


def test_archived_group_rejected(org, instructor) -> None:
    group = rosters.create_group(org.id, "Old class", instructor.id)
    rosters.set_group_archived(group, True, instructor.id)
    db.session.commit()
    result = plan(org, csv_bytes(HEADER, "A,B,a@example.org,,old class"))
    assert "is archived" in result.errors[0].message


def test_password_column(org, run_import) -> None:
    data = csv_bytes(
        "Given name,Surname,E-mail,Password",
        "A,B,a@example.org,long enough pw",
        "C,D,c@example.org,short",
    )
    result = plan(org, data)
    (error,) = result.errors
    assert (error.row, error.column, error.value) == (3, "Password", "")
    assert "at least 8 characters" in error.message
    outcome = run_import(data, valid_only=True)
    assert verify_password(learner("a@example.org").password_hash, "long enough pw")
    assert outcome.login_sheet == [], "given passwords are not repeated in the sheet"


def test_generated_passwords_in_login_sheet(org, run_import) -> None:
    outcome = run_import(csv_bytes(HEADER, "Zoë,Brown,zoe@example.org,,7A"))
    (entry,) = outcome.login_sheet
    assert (entry.first_name, entry.last_name, entry.email, entry.groups) == (
        "Zoë",
        "Brown",
        "zoe@example.org",
        "7A",
    )
    assert verify_password(learner("zoe@example.org").password_hash, entry.password)


def test_all_or_nothing(org, run_import) -> None:
    outcome = run_import(csv_bytes(HEADER, "A,B,a@example.org,,New group", "C,D,bad,,"))
    assert not outcome.committed
    assert learner_count(org) == 0
    assert db.session.scalar(select(func.count()).select_from(Group)) == 0


def test_valid_only_imports_the_rest(org, run_import) -> None:
    outcome = run_import(
        csv_bytes(HEADER, "A,B,a@example.org,,", "C,D,bad,,"), valid_only=True
    )
    assert outcome.committed
    assert outcome.created == 1
    assert outcome.rejected == 1
    assert learner_count(org) == 1


def test_xlsx_import(org, run_import) -> None:
    data = xlsx_bytes(
        [
            ["Given name", "Family name", "Email", "Student ID"],
            ["Zoë", "Nguyễn", "z@example.org", 1001],
        ]
    )
    outcome = run_import(data, "class.xlsx")
    assert outcome.created == 1
    assert learner("z@example.org").external_id == "1001"
    assert learner("z@example.org").last_name == "Nguyễn"


def test_audit_event_and_log_line(org, instructor, run_import, caplog) -> None:
    caplog.set_level(logging.INFO, logger="laurel.rosters.importer")
    run_import(csv_bytes(HEADER, "A,B,a@example.org,,", "C,D,bad,,"), valid_only=True)
    event_row = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "import")
    )
    assert event_row.actor_id == instructor.id
    assert event_row.org_id == org.id
    assert event_row.details["created"] == 1
    assert event_row.details["rejected"] == 1
    assert (
        f"import test: 1 created, 0 updated, 1 rejected by user {instructor.id}"
        in caplog.messages
    )


ONE_HASH = hash_password("statement count")


def count_statements(org, rows: int, mode: str, start: int = 0) -> int:
    # Every call creates five new groups, so each run writes the same kinds of rows.
    lines = [
        f"First{n},Last{n},l{n}@example.org,S{n},G{start}-{n % 5}"
        for n in range(start, start + rows)
    ]
    if mode == "update":
        lines = [line.replace(",Last", ",Renamed") for line in lines]
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = plan(org, csv_bytes(HEADER, *lines), mode)
        # Hashing sends no SQL, so every new account gets one real hash made
        # once, which keeps 2,200 argon2 runs out of the test.
        creates = result.rows_with("create")
        write_plan(result, creates, [ONE_HASH] * len(creates))
        importer.record_import(
            importer.ImportOutcome(result, committed=True), None, "count", False
        )
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_statement_count_constant(org) -> None:
    small = count_statements(org, 100, "add")
    large = count_statements(org, 1000, "add", start=100)
    assert small == large, f"{small} statements for 100 rows, {large} for 1,000"
    assert small < 20
    updates_small = count_statements(org, 100, "update")
    updates_large = count_statements(org, 1000, "update", start=100)
    assert updates_small == updates_large
