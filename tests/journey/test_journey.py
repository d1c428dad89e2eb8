"""The whole credential journey in Chromium, on the production stack.

gunicorn serves the app with deploy/gunicorn.conf.py on a fresh PostgreSQL
database, and ``laurel-printing worker`` renders print jobs from Redis.
People use the pages as they would: they click links, fill labelled fields
and submit forms, with CSRF protection on. The roster is
examples/roster.csv. A random generator with a fixed seed picks which
questions a learner gets right, using the suite's answer key.

With LAUREL_UPDATE_SCREENSHOTS=1 the screenshots of each step go to
docs/journey/, which docs/journey.md shows; otherwise to the test's
temporary folder.
"""

from __future__ import annotations

import csv
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.conftest import free_port, postgres_reachable, postgres_server_url, require
from tests.journey.answers import AnswerKey, Area, load_answer_key
from tests.journey.pages import (
    VIEWPORT,
    Screenshots,
    answer_questions,
    log_in,
    main_text,
    normalised,
    open_unit,
    person,
    start_attempt,
    submit_attempt,
)
from tests.journey.stack import (
    ROOT,
    Stack,
    run_laurel,
    running_stack,
    server_database,
    stack_environment,
)

pytestmark = pytest.mark.browser

ROSTER = ROOT / "examples" / "roster.csv"
SCREENSHOTS = ROOT / "docs" / "journey"
SEED = 2026
SUITE = "Workplace Readiness"
ORG_SLUG = "riverside"
ORG_NAME = "Riverside College"
PURCHASE = 250
FIRST_CLASS = "Class 10A"
SECOND_CLASS = "Class 10B"
ADMIN = ("admin@laurel.example", "Pat", "Okafor", "platform admin password")
ORG_ADMIN = ("morgan.reyes@riverside.example", "Morgan", "Reyes", "org admin password")
INSTRUCTOR = (
    "dana.whitfield@riverside.example",
    "Dana",
    "Whitfield",
    "instructor pass",
)
# The roster rows the import rejects: one email twice, differing only in
# case, and an email with two @ signs.
REJECTED = {
    "EVA.NOVAK@riverside.example",
    "eva.novak@riverside.example",
    "lena.fischer@@riverside.example",
}
# Three learners of the first class, by email. The roster has their passwords.
ACHIEVER = "aoife.osullivan@riverside.example"
RETAKER = "minjun.kim@riverside.example"
HALFWAY = "mateo.garcia@riverside.example"
# Questions answered right by a learner who means to pass or to fail, out of
# the 10 an assessment draws or the 8 of a skill-building post-test. The
# pass mark is 70%.
PASSING = {10: 9, 8: 7}
FAILING = {10: 4, 8: 3}
# Seconds the print job may take before the test gives up, far above need.
PRINT_TIMEOUT = 300


@dataclass(frozen=True)
class Account:
    """A staff account with a password chosen by the test."""

    email: str
    first_name: str
    last_name: str
    password: str


ADMIN = Account("admin@laurel.example", "Pat", "Okafor", "platform admin password")
ORG_ADMIN = Account(
    "morgan.reyes@riverside.example", "Morgan", "Reyes", "org admin pw 1"
)
INSTRUCTOR = Account(
    "dana.whitfield@riverside.example", "Dana", "Whitfield", "teacher pw 1"
)


@dataclass(frozen=True)
class Learner:
    first_name: str
    last_name: str
    email: str
    group: str
    password: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class Journey:
    """What every step needs, and what earlier steps found out."""

    stack: Stack
    browser: Any
    shots: Screenshots
    key: AnswerKey
    rng: random.Random
    learners: dict[str, Learner]
    downloads: Path
    # Credential code of each learner who earned one, by email.
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.stack.base_url

    def person(self) -> Any:
        """Return a context manager of a new person's page (see pages.person)."""
        return person(self.browser, self.stack.logs)

    def in_class(self, group: str) -> list[Learner]:
        return [learner for learner in self.learners.values() if learner.group == group]


def read_roster(path: Path) -> dict[str, Learner]:
    """Return the learners that the import creates from the roster, by email."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Email"]]
    return {
        row["Email"]: Learner(
            row["First name"],
            row["Last name"],
            row["Email"],
            row["Group"],
            row["Password"],
        )
        for row in rows
        if row["Email"] not in REJECTED
    }


def screenshot_folder(tmp_path: Path) -> Path:
    if os.environ.get("LAUREL_UPDATE_SCREENSHOTS") == "1":
        folder = SCREENSHOTS
        for old in folder.glob("*.png"):
            old.unlink()
    else:
        folder = tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_account(
    environment: dict[str, str], account: Account, *options: str
) -> None:
    run_laurel(
        environment,
        "user",
        "create",
        account.email,
        "--first-name",
        account.first_name,
        "--last-name",
        account.last_name,
        *options,
        "--password-stdin",
        stdin=account.password + "\n",
    )


@pytest.fixture
def journey(redis_url: str, browser: Any, tmp_path: Path) -> Iterator[Journey]:
    """Migrate a fresh database, add the platform admin, start the stack."""
    server = postgres_server_url()
    require(postgres_reachable(server), f"PostgreSQL is not reachable at {server}")
    with server_database(server) as database_url:
        environment = stack_environment(database_url, redis_url, tmp_path)
        run_laurel(environment, "db", "upgrade")
        create_account(environment, ADMIN, "--role", "platform_admin")
        # A newly installed plugin is enabled. Withdraw the suites, so that the
        # platform admin enables the one this school buys.
        for plugin in ("workplace_readiness", "example_suite"):
            run_laurel(environment, "plugins", "disable", plugin)
        with running_stack(environment, free_port(), tmp_path / "logs") as stack:
            yield Journey(
                stack=stack,
                browser=browser,
                shots=Screenshots(screenshot_folder(tmp_path)),
                key=load_answer_key(),
                rng=random.Random(SEED),
                learners=read_roster(ROSTER),
                downloads=tmp_path / "downloads",
            )
            stack.assert_running()


def test_credential_journey(journey: Journey) -> None:
    set_up_the_school(journey)
    import_the_roster(journey)
    assign_the_classes(journey)
    let_learners_work(journey)
    monitor_and_print(journey)
    check_the_prints(journey)


# 1. The platform admin


def set_up_the_school(journey: Journey) -> None:
    with journey.person() as page:
        log_in(page, journey.base, ADMIN.email, ADMIN.password)
        page.get_by_role("link", name="Plugins", exact=True).click()
        page.get_by_role("button", name="Enable workplace_readiness").click()
        expect(page.locator("main")).to_contain_text(
            "Plugin workplace_readiness is enabled"
        )
        expect(page.locator("#plugin-workplace_readiness")).to_contain_text("enabled")
        journey.shots.take(page, "plugins")

        create_organisation(page)

        page.get_by_role("link", name="Credits", exact=True).click()
        page.get_by_role("link", name=ORG_NAME).click()
        purchase = page.locator("section", has_text="Record a purchase")
        purchase.get_by_label("Credits bought").fill(str(PURCHASE))
        purchase.get_by_label("Note").fill("Invoice 2026-014")
        purchase.get_by_role("button", name="Record purchase").click()
        expect(page.locator(".credit-total")).to_have_text(
            f"Balance: {PURCHASE} credits"
        )
        expect(page.locator("main")).to_contain_text(
            f"Recorded a purchase of {PURCHASE} credits for {ORG_NAME}"
        )
        journey.shots.take(page, "credits-purchase")


def create_organisation(page: Any) -> None:
    """Create the organisation and its first staff on the organisations pages."""
    page.get_by_role("link", name="Organisations", exact=True).click()
    page.get_by_label("Name", exact=True).fill(ORG_NAME)
    page.get_by_label("Short name for URLs").fill(ORG_SLUG)
    page.get_by_role("button", name="Create organisation").click()
    expect(page.locator("main")).to_contain_text(f"Created {ORG_NAME}.")
    for account, role in ((ORG_ADMIN, "org_admin"), (INSTRUCTOR, "instructor")):
        page.get_by_label("First name").fill(account.first_name)
        page.get_by_label("Last name").fill(account.last_name)
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Role").select_option(role)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Add staff member").click()
        expect(page.locator("main")).to_contain_text(account.email)


# 2. The instructor imports the roster


def import_the_roster(journey: Journey) -> None:
    with journey.person() as page:
        log_in(page, journey.base, INSTRUCTOR.email, INSTRUCTOR.password)
        page.get_by_role("link", name="Learners", exact=True).click()
        page.get_by_role("link", name="Import a class list").click()
        page.get_by_label("Class list file (CSV or Excel .xlsx)").set_input_files(
            str(ROSTER)
        )
        page.get_by_role("button", name="Upload and preview").click()
        page.wait_for_url(re.compile(r".*/learners/import/[\w-]+$"))
        counts = normalised(page.locator(".import-counts").inner_text())
        assert "37 to create" in counts
        assert "3 with errors" in counts
        check_rejected_rows(page)
        journey.shots.take(page, "import-preview")

        page.get_by_role("button", name="Import the 37 valid rows only").click()
        page.wait_for_url(re.compile(r".*/result$"))
        expect(page.locator(".import-counts")).to_contain_text(
            "Imported: 37 created, 0 updated, 0 unchanged, "
            "3 rows with errors not imported."
        )
        # Four valid rows have no password: Laurel generated those.
        expect(page.locator("main")).to_contain_text(
            "4 learners got a generated password."
        )
        journey.shots.take(page, "import-result")


def check_rejected_rows(page: Any) -> None:
    """Check that exactly the duplicate pair and the malformed email are errors."""
    rows = page.locator("table.import-preview tbody tr.import-error")
    texts = [normalised(text) for text in rows.all_inner_texts()]
    assert len(texts) == 3, texts
    numbers = [text.split(" ", 1)[0] for text in texts]
    assert numbers == ["39", "40", "41"]
    assert "Duplicate email: row 40 has it too" in texts[0]
    assert "Duplicate email: row 39 has it too" in texts[1]
    assert "'lena.fischer@@riverside.example' is not an email address" in texts[2]


# 3. The instructor assigns


def assign_the_classes(journey: Journey) -> None:
    with journey.person() as page:
        log_in(page, journey.base, INSTRUCTOR.email, INSTRUCTOR.password)
        assign_subscription(journey, page)
        check_the_charge(journey, page)
        try_the_second_class(journey, page)


def select_class(page: Any, group: str, size: int) -> None:
    page.get_by_role("link", name="Assign", exact=True).click()
    page.get_by_label("Group").select_option(label=group)
    page.get_by_role("button", name="Filter").click()
    page.get_by_label(f"Select all {size} matching learners, on every page").check()
    page.get_by_label("Suite").select_option(label=SUITE)
    page.get_by_role("button", name="Choose units and see the quote").click()


def assign_subscription(journey: Journey, page: Any) -> None:
    select_class(page, FIRST_CLASS, 20)
    expect(
        page.get_by_label("The subscription: every unit for 365 days")
    ).to_be_checked()
    expect(page.locator(".quote-total")).to_have_text("100 credits")
    expect(page.locator(".quote-balance")).to_have_text(f"{PURCHASE} credits")
    journey.shots.take(page, "assign-quote")
    page.get_by_role(
        "button", name="Confirm: assign to 20 learners for 100 credits"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Assigned {SUITE} to 20 learners"
    )


def check_the_charge(journey: Journey, page: Any) -> None:
    """Check the credits history: one charge of exactly the quoted 100."""
    page.get_by_role("link", name="Credits", exact=True).click()
    expect(page.locator(".credit-total")).to_contain_text("150 credits")
    # Columns: entry, date, kind, amount, balance after, then the details.
    entries = [
        [normalised(cell) for cell in row.locator("td").all_inner_texts()]
        for row in page.locator("table.list tbody tr").all()
    ]
    charges = [entry for entry in entries if entry[2] == "charge"]
    assert len(charges) == 1, entries
    assert charges[0][3:5] == ["-100", "150"], charges[0]
    journey.shots.take(page, "credits-charge")


def try_the_second_class(journey: Journey, page: Any) -> None:
    """Quote the second class: the subscription fits, every unit singly does not."""
    select_class(page, SECOND_CLASS, 17)
    expect(page.locator(".quote-total")).to_have_text("85 credits")
    expect(page.locator(".quote-balance")).to_have_text("150 credits")
    expect(page.locator(".quote-short")).to_have_count(0)

    page.get_by_label("Individual units, ticked below").check()
    units = page.get_by_role("group", name="Units (for individual units)")
    for box in units.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Update the quote").click()
    expect(page.locator(".quote-total")).to_have_text("340 credits")
    expect(page.locator(".quote-short")).to_have_text("190 credits")
    expect(page.get_by_role("alert")).to_contain_text(
        "The balance is 190 credits short of the 340 this needs"
    )
    expect(page.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)
    journey.shots.take(page, "assign-short")


# 4. Three learners work


def let_learners_work(journey: Journey) -> None:
    pass_everything(journey, journey.learners[ACHIEVER])
    fail_then_retake(journey, journey.learners[RETAKER])
    stop_halfway(journey, journey.learners[HALFWAY])


def take_unit(journey: Journey, page: Any, title: str, passing: bool) -> None:
    """Take the unit titled ``title`` once, meaning to pass or to fail it."""
    answer_unit(journey, page, title, passing)
    submit_and_check(page, title, passing)


def answer_unit(journey: Journey, page: Any, title: str, passing: bool) -> None:
    open_unit(page, journey.base, title)
    question_ids = start_attempt(page)
    right = (PASSING if passing else FAILING)[len(question_ids)]
    answer_questions(page, journey.key, question_ids, right, journey.rng)


def submit_and_check(page: Any, title: str, passing: bool) -> None:
    submit_attempt(page)
    result = normalised(page.locator("p.result").inner_text())
    expected = "Passed" if passing else "Not passed"
    assert result.startswith(f"{expected}:"), f"{title}: {result}"


def assert_credential_earned(page: Any) -> None:
    expect(page.locator("main")).to_contain_text(
        f"You have earned the {SUITE} credential."
    )


def pass_everything(journey: Journey, learner: Learner) -> None:
    with journey.person() as page:
        log_in(page, journey.base, learner.email, learner.password)
        page.wait_for_url(re.compile(r".*/my/units$"))
        expect(page.get_by_role("heading", name=SUITE)).to_be_visible()
        journey.shots.take(page, "learner-units")
        first, *others = journey.key.areas
        answer_unit(journey, page, first.assessment, passing=True)
        journey.shots.take(page, "attempt")
        submit_and_check(page, first.assessment, passing=True)
        for area in others:
            take_unit(journey, page, area.assessment, passing=True)
        assert_credential_earned(page)
        journey.shots.take(page, "credential-earned")


def fail_then_retake(journey: Journey, learner: Learner) -> None:
    """Fail the first assessment and its skill-building unit, then pass both ways."""
    first, *others = journey.key.areas
    with journey.person() as page:
        log_in(page, journey.base, learner.email, learner.password)
        assert not skill_building_assigned(page, journey.base, first)
        take_unit(journey, page, first.assessment, passing=False)
        assert skill_building_assigned(page, journey.base, first)
        take_unit(journey, page, first.skill_building, passing=False)
        expect(page.locator("p.notice")).to_contain_text(
            "This unit is reassigned to you: you have 1 more attempt."
        )
        journey.shots.take(page, "reassigned")
        take_unit(journey, page, first.skill_building, passing=True)
        for area in others:
            take_unit(journey, page, area.assessment, passing=True)
        assert_credential_earned(page)


def skill_building_assigned(page: Any, base_url: str, area: Area) -> bool:
    page.goto(f"{base_url}/my/units")
    return page.get_by_role("link", name=area.skill_building, exact=True).count() == 1


def stop_halfway(journey: Journey, learner: Learner) -> None:
    """Pass half the assessments, answer half of the next one, save, log out."""
    half = len(journey.key.areas) // 2
    with journey.person() as page:
        log_in(page, journey.base, learner.email, learner.password)
        for area in journey.key.areas[:half]:
            take_unit(journey, page, area.assessment, passing=True)
        open_unit(page, journey.base, journey.key.areas[half].assessment)
        question_ids = start_attempt(page)
        answered = question_ids[: len(question_ids) // 2]
        answer_questions(page, journey.key, answered, len(answered), journey.rng)
        page.get_by_role("button", name="Save answers").click()
        open_unit(page, journey.base, journey.key.areas[half].assessment)
        expect(page.locator("main")).to_contain_text(
            "You have an attempt in progress, with "
            f"{len(answered)} of {len(question_ids)} questions answered."
        )
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_label("Email")).to_be_visible()


# 5. The instructor monitors and prints


def monitor_and_print(journey: Journey) -> None:
    with journey.person() as page:
        log_in(page, journey.base, INSTRUCTOR.email, INSTRUCTOR.password)
        read_the_matrix(journey, page)
        print_the_class(journey, page)


def read_the_matrix(journey: Journey, page: Any) -> None:
    """Filter the first class's matrix to credential holders and note their codes."""
    page.get_by_role("link", name="Progress", exact=True).click()
    filters = page.get_by_role("search", name="Matrix filters")
    filters.get_by_label("Suite").select_option(label=SUITE)
    filters.get_by_label("Group").select_option(label=FIRST_CLASS)
    filters.get_by_role("button", name="Apply").click()
    expect(page.locator("p.count")).to_contain_text("20 learners")
    # The 20 unit columns scroll inside their own box, not the whole page.
    # The width counts only once the stylesheet has loaded.
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"the matrix page is {width}px wide"
    halfway = matrix_row(page, journey.learners[HALFWAY])
    expect(halfway).to_contain_text(f"{len(journey.key.areas) // 2} of 10")
    expect(halfway).to_contain_text("in progress")
    retaker = matrix_row(page, journey.learners[RETAKER])
    expect(retaker).to_contain_text("failed 1/1")

    filters.get_by_label("hold the credential").check()
    filters.get_by_role("button", name="Apply").click()
    expect(page.locator("p.count")).to_contain_text("2 learners")
    for email in (ACHIEVER, RETAKER):
        row = matrix_row(page, journey.learners[email])
        expect(row).to_contain_text("10 of 10")
        code = re.search(r"LAU-[0-9A-Z]{4}-[0-9A-Z]{4}", row.inner_text())
        assert code, f"no credential code in the row of {email}: {row.inner_text()}"
        journey.codes[email] = code.group(0)
    journey.shots.take(page, "matrix-earned")


def matrix_row(page: Any, learner: Learner) -> Any:
    return page.locator("table.matrix tbody tr").filter(
        has=page.get_by_role(
            "link", name=f"{learner.last_name}, {learner.first_name}", exact=True
        )
    )


def print_the_class(journey: Journey, page: Any) -> None:
    page.get_by_role("link", name="Print jobs", exact=True).click()
    page.get_by_role("link", name="Print credentials").click()
    page.get_by_label("Suite").select_option(label=SUITE)
    page.get_by_label("Group").select_option(label=FIRST_CLASS)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("p.count")).to_have_text(
        "2 credentials included; 18 learners skipped."
    )
    page.get_by_role("button", name="Print 2 credentials").click()
    page.wait_for_url(re.compile(r".*/print-jobs/[\w-]+$"))
    merged = page.get_by_role("link", name="All credentials, one PDF")
    # The job page reloads itself until the worker is done.
    merged.wait_for(timeout=PRINT_TIMEOUT * 1000)
    expect(page.get_by_role("status")).to_have_text("done")
    journey.shots.take(page, "print-job")
    with page.expect_download() as download:
        merged.click()
    journey.downloads.mkdir(exist_ok=True)
    path = journey.downloads / "credentials.pdf"
    download.value.save_as(path)


# 6. The prints and the verification page


def check_the_prints(journey: Journey) -> None:
    merged = journey.downloads / "credentials.pdf"
    check_merged_pdf(journey, merged)
    journey.shots.take_pdf_page(merged, "printed-credential")
    achiever = journey.learners[ACHIEVER]
    code = journey.codes[ACHIEVER]
    with journey.person() as public:
        verify(public, journey.base, code)
        status = public.get_by_role("status")
        assert normalised(status.inner_text()).startswith("Valid."), status.inner_text()
        assert achiever.name in normalised(main_text(public))
        journey.shots.take(public, "verify-valid")
        revoked_on = revoke(journey, achiever)
        public.reload()
        assert normalised(status.inner_text()) == (
            f"Revoked on {revoked_on}. This credential is no longer valid."
        )
        journey.shots.take(public, "verify-revoked")


def check_merged_pdf(journey: Journey, path: Path) -> None:
    """Check that the PDF contains exactly the earned credentials of the class."""
    pages = [normalised(page.extract_text() or "") for page in PdfReader(path).pages]
    text = " ".join(pages)
    assert len(pages) == len(journey.codes)
    in_class = journey.in_class(FIRST_CLASS)
    assert len(in_class) == 20
    for learner in in_class:
        if learner.email in journey.codes:
            assert normalised(learner.name) in text, f"{learner.name} missing"
            assert journey.codes[learner.email] in text
        else:
            assert normalised(learner.name) not in text, f"{learner.name} printed"
    printed_codes = set(re.findall(r"LAU-[0-9A-Z]{4}-[0-9A-Z]{4}", text))
    assert printed_codes == set(journey.codes.values())


def verify(page: Any, base_url: str, code: str) -> None:
    """Look a code up on the public verification form, as an employer would."""
    page.goto(f"{base_url}/verify")
    page.get_by_label("Credential code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Check").click()
    page.locator(".verify-status").wait_for()


def revoke(journey: Journey, learner: Learner) -> str:
    """Revoke the learner's credential as the org admin and return the date shown."""
    with journey.person() as page:
        log_in(page, journey.base, ORG_ADMIN.email, ORG_ADMIN.password)
        page.get_by_role("link", name="Learners", exact=True).click()
        page.get_by_role("searchbox").fill(learner.email)
        page.get_by_role("button", name="Filter").click()
        page.get_by_role(
            "link", name=f"{learner.last_name}, {learner.first_name}"
        ).click()
        page.get_by_role("link", name="See the credential").click()
        page.get_by_label("Reason").fill("Issued to the wrong learner")
        before = datetime.now(UTC).strftime("%Y-%m-%d")
        page.get_by_role("button", name="Revoke the credential").click()
        after = datetime.now(UTC).strftime("%Y-%m-%d")
        notice = page.locator("p.revoked")
        expect(notice).to_contain_text("Issued to the wrong learner")
        shown = re.search(r"Revoked on (\d{4}-\d{2}-\d{2})", notice.inner_text())
        assert shown and shown.group(1) in {before, after}, notice.inner_text()
        journey.shots.take(page, "revoke")
        return shown.group(1)
