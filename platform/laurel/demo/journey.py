"""The credential journey, run headless: ``laurel demo --out DIR``.

The steps are the ones a school takes in the browser. The platform admin
enables the suite, creates the organisation and records a purchase. The
instructor imports a class list and assigns the subscription to one class.
Three learners work, and the instructor exports the progress matrix and
prints the class's credentials. Every step calls the same
services as the web pages; where a learner would click, a random generator
with a fixed seed chooses the answers, so two runs give the same results.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from laurel.assignments import attempts as attempt_service
from laurel.assignments import services as assignment_service
from laurel.assignments.models import AssignmentKind, UnitAssignment, UnitStatus
from laurel.assignments.selection import Selection
from laurel.billing import InsufficientCredits
from laurel.credentials.models import Credential
from laurel.extensions import db
from laurel.identity import services as identity
from laurel.identity.models import Organisation, Role, User
from laurel.plugins import registry
from laurel.plugins import services as plugin_service
from laurel.plugins.suites import Suite, Unit
from laurel.printing import dispatch
from laurel.printing import services as printing
from laurel.printing.models import PrintStatus
from laurel.reports import exports
from laurel.reports.forms import MatrixFilters, ReportScope
from laurel.reports.services import columns_of, iter_matrix_rows
from laurel.rosters import importer
from laurel.rosters import services as rosters
from laurel.rosters.import_rows import ERROR
from laurel.rosters.models import Group

log = logging.getLogger(__name__)

SUITE_KEY = "workplace_readiness"
ORG_SLUG = "riverside"
ORG_NAME = "Riverside College"
PURCHASE = 250
FIRST_CLASS = "Class 10A"
SECOND_CLASS = "Class 10B"
# Share of questions answered correctly by a learner who means to pass or fail.
PASSING_SHARE = 0.9
FAILING_SHARE = 0.4


@dataclass
class JourneyReport:
    """Record of the journey's steps and files, for the summary and the tests."""

    out: Path
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # Credential code to learner name, for every printed credential.
    credential_names: dict[str, str] = field(default_factory=dict)

    def say(self, line: str) -> None:
        self.lines.append(line)
        log.info("demo: %s", line)


@dataclass
class Cast:
    """The people of the journey."""

    admin: User
    org: Organisation
    org_admin: User
    instructor: User


def run_journey(app: Flask, roster: Path, out: Path, seed: int = 2026) -> JourneyReport:
    """Run the whole journey in ``app``, writing its files into ``out``."""
    report = JourneyReport(out)
    rng = random.Random(seed)
    with app.app_context():
        suite = registry.get_suite(SUITE_KEY)
        if suite is None:
            raise RuntimeError(
                f"suite {SUITE_KEY!r} is not installed; install "
                "plugins/workplace_readiness and run again."
            )
        cast = set_up(report)
        import_roster(report, cast, roster)
        assign_classes(report, cast, suite)
        let_learners_work(report, cast, suite, rng)
        export_progress(report, cast, suite)
        print_credentials(report, cast, suite)
    return report


# The platform admin


def set_up(report: JourneyReport) -> Cast:
    admin = identity.create_user(
        email="admin@laurel.example",
        first_name="Pat",
        last_name="Okafor",
        role=Role.PLATFORM_ADMIN,
        org=None,
    ).user
    plugin_service.set_enabled(SUITE_KEY, True, admin.id)
    org = identity.create_organisation(ORG_SLUG, ORG_NAME, actor_id=admin.id)
    org_admin = staff(
        org, Role.ORG_ADMIN, "orgadmin@riverside.example", "Morgan", "Reyes"
    )
    instructor = staff(
        org, Role.INSTRUCTOR, "dana@riverside.example", "Dana", "Whitfield"
    )
    db.session.commit()
    report.say(f"Platform admin enabled {SUITE_KEY} and created {ORG_NAME}.")
    record_purchase(report, org, admin)
    return Cast(admin, org, org_admin, instructor)


def staff(org: Organisation, role: Role, email: str, first: str, last: str) -> User:
    return identity.create_user(
        email=email, first_name=first, last_name=last, role=role, org=org
    ).user


def record_purchase(report: JourneyReport, org: Organisation, admin: User) -> None:
    """Record the purchase through ``laurel credits grant``, as an admin would."""
    from flask import current_app

    command = current_app.cli.get_command(None, "credits")  # type: ignore[arg-type]
    if command is None:
        report.say("No billing plugin is installed, so nothing is charged.")
        return
    command.main(
        [
            "grant",
            org.slug,
            str(PURCHASE),
            "--note",
            "Demo invoice 0001",
            "--by",
            admin.email,
        ],
        standalone_mode=False,
    )
    report.say(f"Platform admin recorded a purchase of {PURCHASE} credits.")


# The instructor


def import_roster(report: JourneyReport, cast: Cast, roster: Path) -> None:
    plan = importer.read_and_plan(
        roster.read_bytes(), roster.name, cast.org.id, importer.ADD
    )
    outcome = importer.commit_import(
        plan, valid_only=True, actor_id=cast.instructor.id, reference=roster.name
    )
    db.session.commit()
    path = report.out / "import-report.csv"
    write_import_report(path, plan)
    report.files.append(path)
    report.say(
        f"Instructor imported {roster.name}: {outcome.created} created, "
        f"{outcome.rejected} rows rejected, "
        f"{plural(plan.table.skipped_blank, 'blank row')} skipped."
    )
    for row in importer.iter_sorted_rows(plan, ERROR):
        for problem in row.errors:
            report.say(f"  row {row.number}: {problem.column}: {problem.message}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def write_import_report(path: Path, plan: importer.ImportPlan) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "email", "result", "column", "message"])
        for row in importer.iter_sorted_rows(plan):
            problems = row.errors or [None]
            for problem in problems:
                writer.writerow(
                    [
                        row.number,
                        exports.guard_cell(row.email or ""),
                        row.status,
                        problem.column if problem else "",
                        exports.guard_cell(problem.message) if problem else "",
                    ]
                )


def class_group(org: Organisation, name: str) -> Group:
    group = db.session.scalar(
        select(Group).where(Group.org_id == org.id, Group.name == name)
    )
    if group is None:
        raise RuntimeError(f"the roster has no group {name!r}")
    return group


def assign_classes(report: JourneyReport, cast: Cast, suite: Suite) -> None:
    first = class_group(cast.org, FIRST_CLASS)
    subscription = assignment_service.AssignChoice(suite, AssignmentKind.SUBSCRIPTION)
    quote = quote_for(
        cast, subscription, Selection(all_matching=True, group_id=first.id)
    )
    batch = assignment_service.assign(
        cast.org.id,
        cast.instructor.id,
        subscription,
        Selection(all_matching=True, group_id=first.id),
        assignment_service.new_request_token(),
        quote,
    )
    db.session.commit()
    report.say(
        f"Instructor assigned the subscription to {FIRST_CLASS}: "
        f"{batch.changed_count} learners, quoted {quote} credits, "
        f"charged {batch.credits_charged}."
    )
    try_second_class(report, cast, suite)


def quote_for(cast: Cast, choice: Any, selection: Selection) -> int:
    plan = assignment_service.plan_assignment(
        cast.org.id, choice, selection, identity.utcnow()
    )
    return plan.total


def try_second_class(report: JourneyReport, cast: Cast, suite: Suite) -> None:
    """Try to buy every unit singly for the second class, more than the balance."""
    second = class_group(cast.org, SECOND_CLASS)
    units = assignment_service.AssignChoice(
        suite, AssignmentKind.UNITS, tuple(unit.key for unit in suite.units)
    )
    selection = Selection(all_matching=True, group_id=second.id)
    try:
        assignment_service.assign(
            cast.org.id,
            cast.instructor.id,
            units,
            selection,
            assignment_service.new_request_token(),
            quote_for(cast, units, selection),
        )
    except InsufficientCredits as error:
        db.session.rollback()
        report.say(f"Instructor tried every unit for {SECOND_CLASS}: {error}")
        return
    db.session.rollback()
    report.say(f"{SECOND_CLASS} was not short of credits; nothing was assigned to it.")


# The learners


def let_learners_work(
    report: JourneyReport, cast: Cast, suite: Suite, rng: random.Random
) -> None:
    learners = first_class_learners(cast)
    achiever, retaker, halfway = learners[0], learners[1], learners[2]
    work_through(achiever, suite, rng, lambda unit: PASSING_SHARE)
    report.say(f"{achiever.full_name} passed every assessment.")
    first_area = suite.areas[0].key
    plan = {
        f"{first_area}:assessment": [FAILING_SHARE],
        f"{first_area}:skill_building": [FAILING_SHARE, PASSING_SHARE],
    }
    work_through(retaker, suite, rng, share_from_plan(plan))
    report.say(
        f"{retaker.full_name} failed the {suite.areas[0].title} assessment, failed its "
        "skill-building unit, was reassigned it automatically and passed."
    )
    work_through(
        halfway,
        suite,
        rng,
        lambda unit: PASSING_SHARE,
        stop_after=len(suite.areas) // 2,
    )
    report.say(
        f"{halfway.full_name} passed {len(suite.areas) // 2} assessments and stopped."
    )


def first_class_learners(cast: Cast) -> list[User]:
    group = class_group(cast.org, FIRST_CLASS)
    return list(
        db.session.scalars(rosters.learners_query(cast.org.id, group_id=group.id))
    )


def share_from_plan(plan: dict[str, list[float]]) -> Callable[[Unit], float]:
    """Return each attempt's share of correct choices, from a per-unit list."""
    remaining = {key: list(shares) for key, shares in plan.items()}

    def share(unit: Unit) -> float:
        shares = remaining.get(f"{unit.area}:{unit.kind}")
        return shares.pop(0) if shares else PASSING_SHARE

    return share


def work_through(
    learner: User,
    suite: Suite,
    rng: random.Random,
    share: Callable[[Unit], float],
    stop_after: int | None = None,
) -> None:
    """Take every open unit, in suite order, until none is left to take."""
    submitted = 0
    while stop_after is None or submitted < stop_after:
        ua = next_open_unit(learner, suite)
        if ua is None:
            return
        take_unit(ua, suite, rng, share(suite.unit(ua.unit_key)))
        submitted += 1


def next_open_unit(learner: User, suite: Suite) -> UnitAssignment | None:
    open_states = (
        UnitStatus.NOT_STARTED,
        UnitStatus.IN_PROGRESS,
        UnitStatus.REASSIGNED,
    )
    return db.session.scalar(
        select(UnitAssignment)
        .where(
            UnitAssignment.learner_id == learner.id,
            UnitAssignment.suite_key == suite.key,
            UnitAssignment.status.in_(open_states),
        )
        .order_by(UnitAssignment.position)
        .limit(1)
    )


def take_unit(
    ua: UnitAssignment, suite: Suite, rng: random.Random, share: float
) -> None:
    attempt = attempt_service.start_attempt(ua)
    db.session.commit()
    questions = attempt_service.questions_of(attempt, suite)
    right = round(share * len(questions))
    correct_ones = set(rng.sample(range(len(questions)), right))
    answers = {
        q.id: q.answer
        if index in correct_ones
        else wrong_option(q.answer, len(q.options), rng)
        for index, q in enumerate(questions)
    }
    attempt_service.save_answers(
        attempt, dict(list(answers.items())[: len(answers) // 2])
    )
    db.session.commit()
    attempt_service.submit_attempt(attempt, answers)
    db.session.commit()


def wrong_option(answer: int, count: int, rng: random.Random) -> int:
    return rng.choice([index for index in range(count) if index != answer])


# Monitoring and printing


def export_progress(report: JourneyReport, cast: Cast, suite: Suite) -> None:
    filters = MatrixFilters(ReportScope(suite, class_group(cast.org, FIRST_CLASS)))
    header = exports.matrix_header(columns_of(suite, filters.view))
    rows = exports.matrix_rows(
        iter_matrix_rows(db.engine, cast.org.id, filters), len(suite.areas)
    )
    path = report.out / "progress.csv"
    with path.open("wb") as handle:
        for chunk in exports.csv_chunks(header, rows):
            handle.write(chunk)
    report.files.append(path)
    report.say(f"Instructor exported the {FIRST_CLASS} progress matrix.")


def print_credentials(report: JourneyReport, cast: Cast, suite: Suite) -> None:
    group = class_group(cast.org, FIRST_CLASS)
    learner_ids = Selection(all_matching=True, group_id=group.id).learner_ids(
        cast.org.id
    )
    choice = printing.choose_credentials(cast.org.id, suite.key, learner_ids)
    if not choice.included:
        report.say("No learner earned a credential, so nothing was printed.")
        return
    job = printing.request_credentials_print(
        cast.org, choice.included, cast.instructor, f"{FIRST_CLASS} credentials"
    )
    db.session.commit()
    dispatch.wait_for_threads()
    db.session.refresh(job)
    if job.status is not PrintStatus.DONE:
        raise RuntimeError(f"print job {job.job_id} ended {job.status}: {job.error}")
    copy_outputs(report, job)
    for credential in choice.included:
        report.credential_names[credential.code] = credential.learner_name
    report.say(
        f"Instructor printed {len(choice.included)} credentials for {FIRST_CLASS}; "
        f"{len(choice.skipped)} learners have none yet."
    )


def copy_outputs(report: JourneyReport, job: Any) -> None:
    """Copy the job's files into ``out/credentials/`` and unpack the ZIP there."""
    target = report.out / "credentials"
    target.mkdir(exist_ok=True)
    for kind in ("merged", "zip", "manifest"):
        source = printing.output_path(job, kind)
        if source is None:
            continue
        copied = target / source.name
        shutil.copyfile(source, copied)
        report.files.append(copied)
        if kind == "zip":
            shutil.unpack_archive(copied, target / "per-learner")
            report.files.extend(sorted((target / "per-learner").glob("*.pdf")))


def credentials_of(org: Organisation) -> list[Credential]:
    return list(
        db.session.scalars(select(Credential).where(Credential.org_id == org.id))
    )


def write_summary(report: JourneyReport) -> Path:
    path = report.out / "summary.json"
    path.write_text(
        json.dumps(
            {
                "steps": report.lines,
                "files": [str(f.relative_to(report.out)) for f in report.files],
                "credentials": report.credential_names,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return path
