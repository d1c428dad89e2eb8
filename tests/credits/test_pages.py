"""The header balance, the credits page, the usage report and the admin pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from laurel import create_app
from laurel.extensions import db
from laurel.identity.models import Role
from laurel.identity.services import utcnow
from laurel_credits import services
from laurel_credits.models import EntryKind, LedgerEntry
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD
from tests.credits.helpers import line

BADGE = re.compile(
    r'<a class="credit-balance( low-balance)?" href="/credits">Credits: (\d+)'
)


def badge(client, path: str = "/learners") -> tuple[bool, int] | None:
    """Return (highlighted, balance) from the page header, or None when absent."""
    match = BADGE.search(client.get(path).get_data(as_text=True))
    return (bool(match.group(1)), int(match.group(2))) if match else None


def charge(org, lines, key: str, actor_id: int | None = None) -> dict:
    result = services.charge(org.id, lines, key, actor_id, "assign")
    db.session.commit()
    return result


# Header


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.INSTRUCTOR])
def test_header_shows_balance(app, login, org, make_user, grant, role) -> None:
    grant(org, 15)
    client = login(make_user(org, role))
    assert badge(client) == (False, 15)
    assert badge(client, "/account/password") == (False, 15)


def test_header_highlights_low_balance(app, login, org, make_user, grant) -> None:
    grant(org, 9)  # the default threshold is 10
    client = login(make_user(org, Role.INSTRUCTOR))
    assert badge(client) == (True, 9)
    assert "(low)" in client.get("/learners").get_data(as_text=True)


def test_header_balance_zero_before_purchase(app, login, org, make_user) -> None:
    client = login(make_user(org, Role.ORG_ADMIN))
    assert badge(client) == (True, 0)


def test_header_hidden_for_learner(app, login, org, make_user, grant) -> None:
    grant(org, 15)
    client = login(make_user(org, Role.LEARNER))
    assert badge(client, "/account/password") is None


def test_threshold_from_setting(app, login, org, make_user, grant) -> None:
    app.config["LAUREL_CREDITS_LOW_BALANCE"] = "3"
    grant(org, 5)
    assert badge(login(make_user(org, Role.ORG_ADMIN))) == (False, 5)
    app.config["LAUREL_CREDITS_LOW_BALANCE"] = 6
    assert badge(login(make_user(org, Role.ORG_ADMIN))) == (True, 5)


def test_bad_threshold_setting_named(app_config) -> None:
    app_config["CREDITS_LOW_BALANCE"] = "lots"
    with pytest.raises(
        ValueError, match="LAUREL_CREDITS_LOW_BALANCE='lots' is invalid"
    ):
        create_app(app_config)


def test_org_threshold_overrides_setting(app, login, org, make_user, grant) -> None:
    grant(org, 15)
    client = login(make_user(org, Role.ORG_ADMIN))
    response = client.post("/credits/threshold", data={"threshold": "20"})
    assert response.status_code == 302
    assert badge(client) == (True, 15)
    client.post("/credits/threshold", data={"threshold": ""})
    assert badge(client) == (False, 15)


def test_threshold_rejects_negative(app, login, org, make_user) -> None:
    client = login(make_user(org, Role.ORG_ADMIN))
    response = client.post(
        "/credits/threshold", data={"threshold": "-4"}, follow_redirects=True
    )
    assert "Low-balance threshold not saved: Enter a whole number of 0 or more." in (
        response.get_data(as_text=True)
    )


def test_threshold_only_for_org_admins(app, login, org, make_user) -> None:
    client = login(make_user(org, Role.INSTRUCTOR))
    assert client.post("/credits/threshold", data={"threshold": "2"}).status_code == 403
    assert 'action="/credits/threshold"' not in client.get("/credits").get_data(
        as_text=True
    )


# The credits page


def test_credits_page_for_staff_only(app, login, org, make_user) -> None:
    assert login(make_user(org, Role.LEARNER)).get("/credits").status_code == 403
    assert (
        login(make_user(None, Role.PLATFORM_ADMIN)).get("/credits").status_code == 403
    )
    assert login(make_user(org, Role.INSTRUCTOR)).get("/credits").status_code == 200


def test_credits_page_history(app, login, org, learners, make_user, grant) -> None:
    instructor = make_user(org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor")
    grant(org, 20, note="INV-<b>42</b>")
    charge(org, [line(learners[0], "subscription", credits=5)], "a", instructor.id)
    body = login(instructor).get("/credits").get_data(as_text=True)
    assert "Balance: <strong" in body
    assert "15 credits" in body
    assert "2 entries" in body
    assert "INV-&lt;b&gt;42&lt;/b&gt;" in body
    assert "Ines Tutor" in body
    assert "-5" in body


def history_ids(client, query: str) -> list[int]:
    body = client.get(f"/credits?{query}").get_data(as_text=True)
    return [int(found) for found in re.findall(r"<tr>\s*<td>(\d+)</td>", body)]


def test_history_filters(app, login, org, learners, make_user, grant) -> None:
    instructor = make_user(org, Role.INSTRUCTOR)
    other_admin = make_user(org, Role.ORG_ADMIN)
    purchase = grant(org, 30).entry.id
    sub = charge(
        org, [line(learners[0], "subscription", credits=5)], "s", instructor.id
    )
    unit = charge(
        org, [line(learners[1], credits=1, suite="food_safety")], "u", other_admin.id
    )
    client = login(other_admin)
    assert history_ids(client, "") == [unit["entry_id"], sub["entry_id"], purchase]
    assert history_ids(client, "kind=purchase") == [purchase]
    assert history_ids(client, "suite=food_safety") == [unit["entry_id"]]
    assert history_ids(client, f"admin={instructor.id}") == [sub["entry_id"]]
    today = utcnow().date()
    tomorrow = today + timedelta(days=1)
    assert len(history_ids(client, f"from={today}&to={today}")) == 3
    assert history_ids(client, f"from={tomorrow}") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "from=2025-13-01",
            "from date &#39;2025-13-01&#39; is invalid; use YYYY-MM-DD",
        ),
        ("to=soon", "to date &#39;soon&#39; is invalid"),
        (
            "from=2025-02-01&to=2025-01-01",
            "from date 2025-02-01 is after to date 2025-01-01",
        ),
        ("kind=gift", "kind &#39;gift&#39; is invalid"),
        ("admin=me", "admin &#39;me&#39; is invalid"),
    ],
)
def test_bad_filter_is_named(app, login, org, make_user, grant, query, message) -> None:
    grant(org, 1)
    response = login(make_user(org, Role.ORG_ADMIN)).get(f"/credits?{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_history_paginates(app_config, app, login, org, make_user, grant) -> None:
    app.config["LAUREL_PAGE_SIZE"] = 2
    for _ in range(5):
        grant(org, 1)
    client = login(make_user(org, Role.ORG_ADMIN))
    first = client.get("/credits").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert len(history_ids(client, "")) == 2
    assert len(history_ids(client, "page=3")) == 1
    assert "Page 2 of 3" in client.get("/credits?kind=purchase&page=2").get_data(
        as_text=True
    )


# Usage report


@pytest.fixture
def usage_ledger(app, org, learners, make_user, grant):
    """Two learners' charges by two admins in two suites, with one refund."""
    instructor = make_user(org, Role.INSTRUCTOR, first_name="Ines", last_name="Tutor")
    admin = make_user(org, Role.ORG_ADMIN, first_name="Ada", last_name="Admin")
    grant(org, 40)
    charge(
        org,
        [line(learner, "subscription", credits=5) for learner in learners[:2]],
        "subs",
        instructor.id,
    )
    charge(org, [line(learners[0], credits=2, suite="food_safety")], "unit", admin.id)
    services.refund(
        org.id,
        [line(learners[0], credits=2, suite="food_safety")],
        "back",
        admin.id,
        "unassign",
    )
    db.session.commit()
    return {"instructor": instructor, "admin": admin}


def usage_rows(client, grouping: str) -> list[list[str]]:
    body = client.get(f"/credits/usage?by={grouping}").get_data(as_text=True)
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    return [
        [
            re.sub(r"\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_usage_by_learner(app, login, org, learners, usage_ledger) -> None:
    client = login(usage_ledger["admin"])
    rows = usage_rows(client, "learner")
    assert [learners[0].email, "7", "2", "5"] == rows[0][1:]
    assert [learners[1].email, "5", "0", "5"] == rows[1][1:]
    assert len(rows) == 2


def test_usage_by_admin(app, login, org, usage_ledger) -> None:
    rows = usage_rows(login(usage_ledger["admin"]), "admin")
    assert ["Ada Admin", usage_ledger["admin"].email, "2", "2", "0"] in rows
    assert ["Ines Tutor", usage_ledger["instructor"].email, "10", "0", "10"] in rows


def test_usage_by_suite(app, login, org, usage_ledger) -> None:
    rows = usage_rows(login(usage_ledger["admin"]), "suite")
    assert ["food_safety", "food_safety", "2", "2", "0"] in rows
    readiness = [row for row in rows if row[1] == "workplace_readiness"]
    assert [row[2:] for row in readiness] == [["10", "0", "10"]]
    assert len(rows) == 2


def test_usage_date_range(app, login, org, usage_ledger) -> None:
    client = login(usage_ledger["admin"])
    later = utcnow().date() + timedelta(days=1)
    body = client.get(f"/credits/usage?by=suite&from={later}").get_data(as_text=True)
    assert "No credits spent in these dates." in body


def test_usage_bad_grouping_named(app, login, org, usage_ledger) -> None:
    body = (
        login(usage_ledger["admin"])
        .get("/credits/usage?by=colour")
        .get_data(as_text=True)
    )
    assert "by &#39;colour&#39; is invalid; choose learner, admin or suite." in body


# Exports


def test_usage_csv_export(app, login, org, learners, usage_ledger) -> None:
    response = login(usage_ledger["admin"]).get("/credits/usage.csv?by=learner")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'attachment; filename="credit-usage-by-learner-riverside-'
        in (response.headers["Content-Disposition"])
    )
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig").splitlines()
    assert text[0] == "Learner,Email,Charged,Refunded,Net"
    assert text[1] == f"{learners[0].full_name},{learners[0].email},7,2,5"


def test_csv_export_blocks_formulas(app, login, org, make_user, grant) -> None:
    admin = make_user(org, Role.ORG_ADMIN)
    grant(org, 10)
    for number, name in enumerate(["=HYPERLINK(1)", "+SUM(2)", "-3+4", "@cmd"]):
        learner = make_user(org, Role.LEARNER, first_name=name, last_name="X")
        charge(org, [line(learner, credits=1)], f"f{number}")
    response = login(admin).get("/credits/usage.csv?by=learner")
    cells = [
        row.split(",")[0]
        for row in response.get_data().decode("utf-8-sig").splitlines()[1:]
    ]
    assert sorted(cells) == ["'+SUM(2) X", "'-3+4 X", "'=HYPERLINK(1) X", "'@cmd X"]


def test_usage_xlsx_export(app, login, org, learners, usage_ledger) -> None:
    response = login(usage_ledger["admin"]).get("/credits/usage.xlsx?by=suite")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Suite", "Suite key", "Charged", "Refunded", "Net"]
    assert ["food_safety", "food_safety", 2, 2, 0] in rows
    assert sheet.title == "Credit usage"


def test_xlsx_text_cells_are_strings(app, login, org, make_user, grant) -> None:
    admin = make_user(org, Role.ORG_ADMIN)
    grant(org, 10, note="=1+1")
    response = login(admin).get("/credits/history.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [cell.value for cell in sheet[1]]
    note = sheet.cell(row=2, column=header.index("Note") + 1)
    assert note.value == "'=1+1"
    assert note.data_type == "s"


def test_history_csv_export_filtered(app, login, org, learners, usage_ledger) -> None:
    response = login(usage_ledger["admin"]).get("/credits/history.csv?kind=refund")
    rows = response.get_data().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Entry,Date (UTC),Kind,Amount,Balance after")
    assert len(rows) == 2
    assert ",refund,2,30," in rows[1]


def test_export_bad_filter_redirects(app, login, org, usage_ledger) -> None:
    client = login(usage_ledger["admin"])
    response = client.get("/credits/history.csv?from=yesterday", follow_redirects=True)
    assert response.request.path == "/credits"
    assert "Nothing exported: from date &#39;yesterday&#39; is invalid" in (
        response.get_data(as_text=True)
    )
    assert client.get("/credits/usage.pdf").status_code == 404


# Platform admin pages


@pytest.fixture
def platform_admin(make_user):
    return make_user(None, Role.PLATFORM_ADMIN, first_name="Pat", last_name="Platform")


def test_admin_pages_for_platform_admins_only(app, login, org, make_user) -> None:
    client = login(make_user(org, Role.ORG_ADMIN))
    assert client.get("/admin/credits").status_code == 403
    assert client.get(f"/admin/credits/{org.id}").status_code == 403
    response = client.post(
        f"/admin/credits/{org.id}/purchases", data={"amount": "5", "note": "x"}
    )
    assert response.status_code == 403
    assert services.balance(org.id) == 0


def test_admin_lists_balances(app, login, org, make_org, platform_admin, grant) -> None:
    grant(org, 12)
    make_org("empty-college", "Empty College")
    body = login(platform_admin).get("/admin/credits").get_data(as_text=True)
    assert "Riverside College" in body
    assert "Empty College" in body
    assert '<td class="number">12</td>' in body
    assert '<td class="number">0</td>' in body


def test_admin_records_purchase(app, login, org, platform_admin) -> None:
    client = login(platform_admin)
    page = client.get(f"/admin/credits/{org.id}").get_data(as_text=True)
    key = re.search(
        r'id="purchase-key" name="idempotency_key" type="hidden" value="([^"]+)"', page
    )
    data = {"amount": "25", "note": "INV-2025-17", "idempotency_key": key.group(1)}
    response = client.post(
        f"/admin/credits/{org.id}/purchases", data=data, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "Recorded a purchase of 25 credits for Riverside College" in body
    again = client.post(
        f"/admin/credits/{org.id}/purchases", data=data, follow_redirects=True
    )
    assert "was already recorded as entry" in again.get_data(as_text=True)
    assert services.balance(org.id) == 25
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.org_id == org.id))
    assert entry.actor_id == platform_admin.id
    assert entry.note == "INV-2025-17"


def test_admin_forms_have_own_ids(app, login, org, platform_admin) -> None:
    page = login(platform_admin).get(f"/admin/credits/{org.id}").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"', page)
    labelled = [name for name in ids if name != "csrf_token"]
    assert len(labelled) == len(set(labelled)), labelled
    assert '<label for="amount">Credits bought</label>' in page
    assert (
        '<label for="correction-amount">Credits to add (negative to take away)</label>'
        in page
    )
    assert '<label for="correction-note">Note</label>' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "0", "note": "x"}, "Enter a whole number of 1 or more."),
        ({"amount": "ten", "note": "x"}, "Not a valid integer value."),
        ({"amount": "5", "note": ""}, "This field is required."),
    ],
)
def test_admin_purchase_form_errors(
    app, login, org, platform_admin, data, message
) -> None:
    response = login(platform_admin).post(
        f"/admin/credits/{org.id}/purchases", data={**data, "idempotency_key": "web:1"}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert services.balance(org.id) == 0


def test_admin_unknown_org_404(app, login, platform_admin) -> None:
    client = login(platform_admin)
    assert client.get("/admin/credits/999").status_code == 404
    assert client.post("/admin/credits/999/purchases", data={}).status_code == 404


def test_admin_key_reused_for_other_amount(app, login, org, platform_admin) -> None:
    client = login(platform_admin)
    url = f"/admin/credits/{org.id}/purchases"
    client.post(
        url, data={"amount": "5", "note": "INV-1", "idempotency_key": "web:same"}
    )
    response = client.post(
        url,
        data={"amount": "6", "note": "INV-1", "idempotency_key": "web:same"},
        follow_redirects=True,
    )
    assert "Not recorded: Idempotency key &#39;web:same&#39; was already used" in (
        response.get_data(as_text=True)
    )
    assert services.balance(org.id) == 5


def test_admin_correction_and_reversal(app, login, org, platform_admin, grant) -> None:
    mistaken = grant(org, 50)
    client = login(platform_admin)
    base = f"/admin/credits/{org.id}"
    too_much = client.post(
        f"{base}/corrections",
        data={"amount": "-60", "note": "x", "idempotency_key": "c1"},
        follow_redirects=True,
    )
    assert "the most that can be taken away is 50" in too_much.get_data(as_text=True)
    client.post(
        f"{base}/corrections",
        data={"amount": "-10", "note": "typo", "idempotency_key": "c2"},
    )
    assert services.balance(org.id) == 40
    reversed_page = client.post(
        f"{base}/entries/{mistaken.entry.id}/reversal",
        data={"note": "wrong invoice", "idempotency_key": "r1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Recorded the reversal of entry {mistaken.entry.id}" not in reversed_page
    assert "Not recorded: A correction of -50 credits" in reversed_page
    assert services.balance(org.id) == 40


def test_admin_reversal_of_purchase(app, login, org, platform_admin, grant) -> None:
    mistaken = grant(org, 50)
    client = login(platform_admin)
    url = f"/admin/credits/{org.id}/entries/{mistaken.entry.id}/reversal"
    assert "give a note" in client.post(
        url, data={"note": ""}, follow_redirects=True
    ).get_data(as_text=True)
    body = client.post(
        url,
        data={"note": "sent to the wrong college", "idempotency_key": "r1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "as entry" in body
    assert '<span class="badge">reversed</span>' in body
    assert services.balance(org.id) == 0
    kinds = db.session.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.id)).all()
    assert kinds == [EntryKind.PURCHASE, EntryKind.CORRECTION]


def test_admin_reverse_forms_have_own_keys(
    app, login, org, platform_admin, grant
) -> None:
    grant(org, 1)
    grant(org, 2)
    page = login(platform_admin).get(f"/admin/credits/{org.id}").get_data(as_text=True)
    keys = re.findall(r'name="idempotency_key" value="([^"]+)"', page)
    assert len(keys) == 2
    assert len(set(keys)) == 2


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_forms_need_csrf_token(app, client, org, platform_admin) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token(client.get("/login").get_data(as_text=True))
    login = {
        "email": platform_admin.email,
        "password": TEST_PASSWORD,
        "csrf_token": token,
    }
    assert client.post("/login", data=login).status_code == 302
    url = f"/admin/credits/{org.id}/purchases"
    data = {"amount": "5", "note": "INV-1", "idempotency_key": "web:csrf"}
    assert client.post(url, data=data).status_code == 400
    assert services.balance(org.id) == 0
    page = client.get(f"/admin/credits/{org.id}").get_data(as_text=True)
    response = client.post(url, data={**data, "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert services.balance(org.id) == 5
