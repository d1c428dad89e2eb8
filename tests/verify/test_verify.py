"""Public verification by QR link or short code, without a login, rate limited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from laurel.credentials import verify
from laurel.credentials.verify import VerifyRateCount
from laurel.extensions import db
from laurel.identity.models import Role
from tests.print_jobs.conftest import build_credential


@pytest.fixture
def learner(make_org, make_user):  # noqa: ANN001, ANN201
    org = make_org("riverside", "Riverside College")
    return make_user(org, Role.LEARNER, first_name="Nguyễn Thị", last_name="Hoa")


@pytest.fixture
def credential(learner):  # noqa: ANN001, ANN201
    return build_credential(learner)


def test_valid_credential_page(client, credential) -> None:  # noqa: ANN001
    response = client.get(f"/verify/{credential.public_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid." in page
    assert "Nguyễn Thị Hoa" in page
    assert "Workplace Readiness" in page
    assert "Riverside College" in page
    assert "2026-12-04" in page
    assert "<td>Communication</td><td>90</td>" in page
    assert "<td>Teamwork</td><td>85</td>" in page
    assert credential.code in page
    assert "Revoked" not in page


def test_revoked_credential_page(client, learner) -> None:  # noqa: ANN001
    credential = build_credential(learner, revoked_at=datetime(2027, 1, 15, 9, 0))
    page = client.get(f"/verify/{credential.public_id}").get_data(as_text=True)
    assert "Revoked on 2027-01-15." in page
    assert "Valid." not in page
    assert "Nguyễn Thị Hoa" in page


def test_unknown_id_and_code_look_alike(client, credential) -> None:  # noqa: ANN001
    by_id = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    by_code = client.get("/verify?code=LAU-2222-3333")
    by_odd_code = client.get("/verify?code=" + "x" * 500)
    assert by_id.status_code == 404
    assert by_code.status_code == 404
    assert by_odd_code.status_code == 404
    assert by_id.get_data() == by_code.get_data()
    assert by_id.get_data() == by_odd_code.get_data()
    assert "Credential not found" in by_id.get_data(as_text=True)


def test_pages_are_html(app, client, credential) -> None:  # noqa: ANN001
    app.config["LAUREL_VERIFY_RATE_LIMIT"] = 4
    responses = {
        "by id": client.get(f"/verify/{credential.public_id}"),
        "by code": client.get(f"/verify?code={credential.code}"),
        "not found": client.get("/verify?code=LAU-2222-3333"),
        "blank code": client.get("/verify?code=+"),
        "form": client.get("/verify"),
        "valid again": client.get(f"/verify/{credential.public_id}"),
        "rate limited": client.get(f"/verify/{credential.public_id}"),
    }
    assert responses["rate limited"].status_code == 429
    for name, response in responses.items():
        assert response.mimetype == "text/html", name


def test_row_id_is_not_public_id(client, credential) -> None:  # noqa: ANN001
    response = client.get(f"/verify/{credential.id}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "typed",
    ["{code}", "{lower}", " {compact} ", "{spaced}", "{lower_compact}", "{dashed}"],
)
def test_code_form_normalises(client, credential, typed) -> None:  # noqa: ANN001
    code = credential.code
    compact = code.replace("-", "")
    text = typed.format(
        code=code,
        lower=code.lower(),
        compact=compact,
        spaced=code.replace("-", " "),
        lower_compact=compact.lower(),
        dashed="-".join(compact),
    )
    response = client.get("/verify", query_string={"code": text})
    assert response.status_code == 200, text
    assert "Nguyễn Thị Hoa" in response.get_data(as_text=True)


def test_code_form_page(client) -> None:  # noqa: ANN001
    response = client.get("/verify")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="code"' in page
    assert 'method="get"' in page


def test_blank_code_asks_again(client) -> None:  # noqa: ANN001
    response = client.get("/verify?code=+")
    assert response.status_code == 400
    assert "Enter the code printed on the credential" in response.get_data(as_text=True)


def test_lookups_are_rate_limited(app, client, credential) -> None:  # noqa: ANN001
    app.config["LAUREL_VERIFY_RATE_LIMIT"] = 3
    url = f"/verify/{credential.public_id}"
    statuses = [client.get(url).status_code for _ in range(3)]
    limited = client.get("/verify?code=LAU-2222-3333")
    other_address = client.get(url, environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "Too many checks" in limited.get_data(as_text=True)
    assert other_address.status_code == 200


def test_code_form_itself_not_counted(app, client) -> None:  # noqa: ANN001
    app.config["LAUREL_VERIFY_RATE_LIMIT"] = 1
    statuses = [client.get("/verify").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_old_windows_are_deleted(app) -> None:  # noqa: ANN001
    start = datetime(2026, 12, 4, 12, 0, 0)
    with app.test_request_context():
        verify.count_lookup("127.0.0.1", now=start)
        verify.count_lookup("127.0.0.9", now=start)
        count = verify.count_lookup("127.0.0.1", now=start + timedelta(seconds=61))
    db.session.commit()
    rows = db.session.scalar(select(func.count()).select_from(VerifyRateCount))
    assert count == 1
    assert rows == 1


def test_counts_within_one_window(app) -> None:  # noqa: ANN001
    start = datetime(2026, 12, 4, 12, 0, 0)
    counts = [
        verify.count_lookup("127.0.0.1", now=start + timedelta(seconds=second))
        for second in (0, 20, 59)
    ]
    db.session.commit()
    assert counts == [1, 2, 3]


def test_invalid_limit_setting_named(app) -> None:  # noqa: ANN001
    app.config["LAUREL_VERIFY_RATE_LIMIT"] = "many"
    with pytest.raises(
        ValueError, match="LAUREL_VERIFY_RATE_LIMIT='many' is not a whole number"
    ):
        verify.rate_limit()


def test_link_without_request_uses_public_url(app) -> None:  # noqa: ANN001
    app.config["LAUREL_PUBLIC_URL"] = "https://laurel.example.org"
    assert verify.verification_url("abc") == "https://laurel.example.org/verify/abc"
    app.config["LAUREL_PUBLIC_URL"] = None
    assert verify.verification_url("abc") == "http://127.0.0.1:5000/verify/abc"
