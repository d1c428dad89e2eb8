"""The Workplace Readiness suite: its content, figures, rules and loader."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from laurel.plugins.suites import Suite, build_suite
from laurel_workplace_readiness import plugin
from laurel_workplace_readiness.content import (
    ContentError,
    content_digest,
    content_folder,
    load_areas,
)

AREAS = [
    "attitude_motivation",
    "communication",
    "teamwork",
    "critical_thinking",
    "planning_organising",
    "professionalism",
    "workplace_relationships",
    "handling_conflict",
    "customer_service",
    "safety_responsibility",
]


@pytest.fixture(scope="module")
def suite() -> Suite:
    return build_suite(plugin.suite_declaration(), "workplace_readiness")


def words(unit) -> int:  # noqa: ANN001 - a Unit
    return sum(len(section.body.split()) for section in unit.lesson)


def test_ten_areas_twenty_units(suite: Suite) -> None:
    assert suite.key == "workplace_readiness"
    assert [area.key for area in suite.areas] == AREAS
    assert len(suite.units) == 20
    for area in AREAS:
        kinds = [unit.kind for unit in suite.units_of(area)]
        assert kinds == ["assessment", "skill_building"], area
        assert suite.unit(f"{area}_assessment") is not None
        assert suite.skill_building_unit(area).key == f"{area}_skill_building"


def test_every_question_well_formed(suite: Suite) -> None:
    for unit in suite.units:
        for question in unit.questions:
            label = f"{unit.key} {question.id}"
            assert len(question.options) == 4, label
            assert len(set(question.options)) == 4, label
            assert 0 <= question.answer <= 3, label
            assert question.prompt.strip(), label
            assert question.explanation.strip(), label


def test_pools_and_draws(suite: Suite) -> None:
    for unit in suite.units:
        if unit.is_assessment:
            assert unit.draw == 10, unit.key
            assert len(unit.questions) >= 15, unit.key
            assert unit.lesson == (), unit.key
        else:
            assert unit.draw == 8, unit.key
            assert len(unit.questions) >= 12, unit.key


def test_lesson_lengths(suite: Suite) -> None:
    for unit in suite.units:
        if unit.is_assessment:
            continue
        assert 3 <= len(unit.lesson) <= 5, unit.key
        assert 500 <= words(unit) <= 900, f"{unit.key}: {words(unit)} words"
        for section in unit.lesson:
            assert section.heading.strip(), unit.key
            assert section.paragraphs, unit.key


def test_question_ids_unique_and_stable(suite: Suite) -> None:
    ids = [question.id for unit in suite.units for question in unit.questions]
    assert len(ids) == len(set(ids))
    for unit in suite.units:
        marker = "a" if unit.is_assessment else "s"
        pattern = re.compile(rf"^{unit.area}-{marker}\d\d$")
        for question in unit.questions:
            assert pattern.match(question.id), question.id


def test_correct_answers_spread(suite: Suite) -> None:
    positions = Counter(q.answer for unit in suite.units for q in unit.questions)
    total = sum(positions.values())
    for position in range(4):
        assert positions[position] >= total * 0.15, positions


def test_pricing_figures(suite: Suite) -> None:
    subscription = suite.pricing.subscription
    assert (subscription.credits, subscription.term_days) == (5, 365)
    assert subscription.auto_reassign is True
    assert suite.pricing.unit_credits == 1
    assert suite.pricing.reassign_credits == 1


def test_pass_rules(suite: Suite) -> None:
    rules = suite.rules
    assert (rules.pass_mark, rules.pass_mark_min, rules.pass_mark_max) == (70, 50, 100)
    assert rules.required_areas == tuple(AREAS)
    assert rules.failed_assessment_assigns_skill_building is True
    assert suite.area_passed("teamwork", {"teamwork_assessment"})
    assert suite.area_passed("teamwork", {"teamwork_skill_building"})
    assert not suite.area_passed("teamwork", {"communication_assessment"})
    nine = {f"{area}_assessment" for area in AREAS[:-1]}
    assert not suite.credential_earned(nine)
    assert suite.credential_earned(nine | {f"{AREAS[-1]}_skill_building"})


def test_org_pass_mark_bounds(suite: Suite) -> None:
    suite.rules.check_pass_mark(50)
    suite.rules.check_pass_mark(100)
    with pytest.raises(
        ValueError, match="pass mark 49 is outside the allowed range 50 to 100"
    ):
        suite.rules.check_pass_mark(49)
    with pytest.raises(ValueError, match="pass mark 101"):
        suite.rules.check_pass_mark(101)
    assert suite.rules.pass_mark_for("teamwork", {"teamwork": 80}) == 80
    assert suite.rules.pass_mark_for("communication", {"teamwork": 80}) == 70


def test_version_names_content(suite: Suite) -> None:
    assert re.fullmatch(r"\d+(\.\d+)*\+[0-9a-f]{12}", suite.version), suite.version
    assert suite.version.endswith(content_digest())
    assert len(suite.version) <= 32
    assert plugin.suite_version() == suite.version


# The loader, on a copy of the content folder with one problem each.


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(Path(str(content_folder())), target)
    return target


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copy_loads_unchanged(content_copy: Path) -> None:
    assert [area["key"] for area in load_areas(content_copy)] == AREAS
    assert content_digest(content_copy) == content_digest()


def test_digest_changes_with_content(content_copy: Path) -> None:
    edit(content_copy, "03_teamwork.toml", 'title = "Teamwork"', 'title = "Team work"')
    assert content_digest(content_copy) != content_digest()


def test_wrong_answer_index_named(content_copy: Path) -> None:
    edit(content_copy, "02_communication.toml", "answer = 2", "answer = 4")
    with pytest.raises(ContentError) as raised:
        load_areas(content_copy)
    message = str(raised.value)
    assert message.startswith("content/02_communication.toml: ")
    assert "assessment.questions[0].answer: must be the zero-based index" in message
    assert "(question communication-a01)" in message


def test_three_options_named(content_copy: Path) -> None:
    edit(
        content_copy,
        "02_communication.toml",
        '    "Wrap it and leave it at his station until someone comes to collect it",\n',
        "",
    )
    with pytest.raises(ContentError, match=r"questions\[0\]\.options: needs exactly 4"):
        load_areas(content_copy)


def test_missing_file_named(content_copy: Path) -> None:
    (content_copy / "04_critical_thinking.toml").unlink()
    with pytest.raises(ContentError, match="missing: 04, unexpected or repeated: none"):
        load_areas(content_copy)


def test_invalid_toml_named(content_copy: Path) -> None:
    edit(content_copy, "05_planning_organising.toml", "order = 5", "order = ")
    with pytest.raises(
        ContentError, match=r"05_planning_organising.toml: invalid TOML"
    ):
        load_areas(content_copy)


def test_key_must_match_file(content_copy: Path) -> None:
    edit(content_copy, "03_teamwork.toml", 'key = "teamwork"', 'key = "team_work"')
    with pytest.raises(ContentError, match="key and order must match the file name"):
        load_areas(content_copy)


def test_short_pool_named(content_copy: Path) -> None:
    edit(content_copy, "01_attitude_motivation.toml", "draw = 10", "draw = 9")
    with pytest.raises(
        ContentError, match=r"01_attitude_motivation.toml: assessment.draw: must be 10"
    ):
        load_areas(content_copy)


def test_markup_in_lesson_named(content_copy: Path) -> None:
    path = content_copy / "09_customer_service.toml"
    text = path.read_text(encoding="utf-8")
    marker = "[[skill_building.sections]]\nheading = "
    assert marker in text
    start = text.index('body = """', text.index(marker)) + len('body = """')
    path.write_text(
        text[:start] + "\n<b>Bold</b> words." + text[start:], encoding="utf-8"
    )
    with pytest.raises(
        ContentError, match=r"skill_building.sections\[0\].body: contains markup '<b>'"
    ):
        load_areas(content_copy)


def test_repeated_question_id_named(content_copy: Path) -> None:
    edit(
        content_copy,
        "07_workplace_relationships.toml",
        'id = "workplace_relationships-a02"',
        'id = "workplace_relationships-a01"',
    )
    with pytest.raises(
        ContentError,
        match="question ids used more than once: workplace_relationships-a01",
    ):
        load_areas(content_copy)
