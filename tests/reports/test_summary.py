"""The summary page: pass rate per area, progress distribution, their SVG charts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from laurel.extensions import db
from laurel.identity.models import Organisation, Role, User
from laurel.plugins.suites import Suite
from laurel.reports import charts
from laurel.rosters import services as rosters
from tests.reports.conftest import install_suite, sample_declaration
from tests.reports.seeding import (
    bulk_progress,
    failed,
    in_progress,
    passed,
    seed_credential,
    seed_progress,
)


@pytest.fixture
def learners(org: Organisation, suite: Suite, make_user: Any) -> dict[str, User]:
    people = {
        name: make_user(org, Role.LEARNER, first_name=name)
        for name in ("All", "Two", "Three", "Idle", "None")
    }
    seed_progress(
        org.id,
        people["All"].id,
        suite,
        {
            "communication_test": passed(90),
            "teamwork_test": passed(80),
            "safety_test": passed(70),
            "digital_test": passed(75),
        },
    )
    seed_credential(org, people["All"], suite)
    seed_progress(
        org.id,
        people["Two"].id,
        suite,
        {"communication_test": passed(85), "teamwork_test": failed(20)},
    )
    seed_progress(
        org.id,
        people["Three"].id,
        suite,
        {
            "communication_test": failed(30),
            "communication_lesson": passed(88),
            "safety_test": in_progress(),
        },
    )
    bulk_progress(org.id, suite, [(people["Idle"].id, {})])  # suite, no units yet
    return people


def table_rows(body: str, caption: str) -> list[list[str]]:
    """Return the cells of the table with ``caption``, header row excluded."""
    table = body[body.index(f"<caption>{caption}</caption>") :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table)
    return [[head, *re.findall(r"<td>(.*?)</td>", cells)] for head, cells in rows]


def summary_body(client: Any, suite: Suite, **args: str) -> str:
    response = client.get("/reports/summary", query_string={"suite": suite.key, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_summary_pass_rates(client, login, instructor, suite, learners) -> None:
    login(instructor)
    body = summary_body(client, suite)
    assert table_rows(body, "Pass rate per area") == [
        ["Communication", "3", "3", "100%"],
        ["Teamwork", "1", "2", "50%"],
        ["Safety", "1", "2", "50%"],
        ["Digital", "1", "1", "100%"],
    ]
    assert "4 learners with Sample suite sample" in body
    assert "1 credential held" in body


def test_summary_distribution(client, login, instructor, suite, learners) -> None:
    login(instructor)
    body = summary_body(client, suite)
    assert table_rows(body, "Learners by number of areas passed") == [
        ["0", "1"],
        ["1", "2"],
        ["2", "0"],
        ["3", "0"],
        ["4", "1"],
    ]


def test_summary_of_a_group(client, login, org, instructor, suite, learners) -> None:
    group = rosters.create_group(org.id, "Set B", actor_id=None)
    rosters.add_members(group, [learners["Two"].id, learners["Idle"].id], actor_id=None)
    db.session.commit()
    login(instructor)
    body = summary_body(client, suite, group=str(group.id))
    assert table_rows(body, "Learners by number of areas passed") == [
        ["0", "1"],
        ["1", "1"],
        ["2", "0"],
        ["3", "0"],
        ["4", "0"],
    ]
    assert table_rows(body, "Pass rate per area")[1] == ["Teamwork", "0", "1", "0%"]
    assert table_rows(body, "Pass rate per area")[3] == ["Digital", "0", "0", "—"]
    assert "0 credentials held" in body


def test_summary_charts_are_inline_svg(
    client, login, instructor, suite, learners
) -> None:
    login(instructor)
    body = summary_body(client, suite)
    assert body.count('role="img"') == 2
    assert 'aria-labelledby="pass-rate-chart-title pass-rate-chart-desc"' in body
    assert '<title id="pass-rate-chart-title">Pass rate per area</title>' in body
    assert "<script" not in body
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "")
    bars = re.findall(r'class="chart-bar" x="220" y="[0-9.]+" width="([0-9.]+)"', body)
    assert bars == ["320.0", "160.0", "160.0", "320.0"]
    columns = re.findall(
        r'class="chart-bar" x="[0-9]+" y="[0-9.]+" width="36" height="([0-9.]+)"', body
    )
    assert columns == ["90.0", "180.0", "0.0", "0.0", "90.0"]


def test_summary_escapes_titles(
    app: Flask, client, login, org, instructor, make_user
) -> None:
    declaration = sample_declaration("escaped")
    declaration["areas"][0]["title"] = '<script>alert("x")</script>'
    suite = install_suite(app, declaration)
    learner = make_user(org, Role.LEARNER)
    seed_progress(org.id, learner.id, suite, {"communication_test": passed(70)})
    login(instructor)
    body = summary_body(client, suite)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body


def test_summary_rejects_bad_group(client, login, instructor, suite) -> None:
    login(instructor)
    response = client.get(
        "/reports/summary", query_string={"suite": suite.key, "group": "x"}
    )
    assert response.status_code == 400
    assert "Group &#39;x&#39; is not found" in response.get_data(as_text=True)


def test_bar_lengths_scale_to_maximum() -> None:
    bars = [
        charts.Bar("a", 50, "50%"),
        charts.Bar("b", 0, "0%"),
        charts.Bar("c", 150, "150%"),
    ]
    svg = str(charts.horizontal_bars("c1", "T", "D", bars, 100))
    widths = re.findall(r'class="chart-bar" x="220" y="[0-9.]+" width="([0-9.]+)"', svg)
    assert widths == ["160.0", "0.0", "320.0"]


def test_columns_with_no_learners() -> None:
    svg = str(charts.columns("c2", "T", "D", [charts.Bar("0", 0, "0")], 0))
    assert 'height="0.0"' in svg
    assert svg.startswith("<svg ")


def test_long_labels_are_shortened() -> None:
    label = "Planning, organising and prioritising your own work"
    svg = str(charts.horizontal_bars("c3", "T", "D", [charts.Bar(label, 1, "1")], 1))
    assert "Planning, organising and prio…</text>" in svg
    assert f"<title>{label}: 1</title>" in svg
