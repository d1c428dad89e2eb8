"""Payload validation: unknown, missing and invalid fields fail the job by name."""

from __future__ import annotations

import pytest
from laurel_printing.jobs import render_credentials, render_login_sheet
from laurel_printing.schemas import InvalidPayloadError


def _error(payload: dict, storage_root) -> str:
    with pytest.raises(InvalidPayloadError) as caught:
        render_credentials(payload, storage_root=storage_root)
    return str(caught.value)


def test_valid_payload_is_accepted(make_credentials_payload, storage_root) -> None:
    result = render_credentials(make_credentials_payload(1), storage_root=storage_root)
    assert result["count"] == 1


def test_unknown_top_level_field(make_credentials_payload, storage_root) -> None:
    payload = make_credentials_payload(1, priority="high")
    assert "priority: Unknown field." in _error(payload, storage_root)


def test_unknown_nested_fields(make_credentials_payload, storage_root) -> None:
    payload = make_credentials_payload(2)
    payload["credentials"][1]["photo_url"] = "http://127.0.0.1/x.png"
    payload["credentials"][0]["areas"][1]["weight"] = 2
    payload["layout"]["orientation"] = "portrait"
    message = _error(payload, storage_root)
    assert "credentials.1.photo_url: Unknown field." in message
    assert "credentials.0.areas.1.weight: Unknown field." in message
    assert "layout.orientation: Unknown field." in message


def test_missing_field(make_credentials_payload, storage_root) -> None:
    payload = make_credentials_payload(3)
    del payload["credentials"][2]["short_code"]
    message = _error(payload, storage_root)
    assert "credentials.2.short_code: Missing data for required field." in message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("layout", "page_size"),
            "A5",
            "layout.page_size: Must be one of: A4, Letter.",
        ),
        (("outputs",), ["merged", "pdf"], "outputs.1: Must be one of"),
        (("outputs",), [], "outputs: Shorter than minimum length 1."),
        (("output_key",), "../../etc", "output_key: Must be a relative path"),
        (("output_key",), "/abs/path", "output_key: Must be a relative path"),
        (("credentials", 0, "issued_on"), "04/12/2026", "credentials.0.issued_on"),
        (("credentials", 0, "learner_name"), "Ada\nLovelace", "control characters"),
        (("credentials", 0, "learner_name"), "   ", "learner_name: Must not be blank."),
        (("credentials", 0, "learner_name"), "x" * 201, "Longer than maximum length"),
        (("credentials", 0, "short_code"), "LAU/../x", "credentials.0.short_code"),
        (
            ("credentials", 0, "verification_url"),
            "javascript:alert(1)",
            "verification_url",
        ),
        (("credentials", 0, "areas", 0, "score"), 101, "areas.0.score"),
        (("credentials", 0, "areas", 0, "score"), "NaN", "areas.0.score"),
    ],
)
def test_invalid_value_names_field(
    make_credentials_payload, storage_root, path, value, expected
) -> None:
    payload = make_credentials_payload(1)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert expected in _error(payload, storage_root)


def test_duplicate_short_code(make_credentials_payload, storage_root) -> None:
    payload = make_credentials_payload(3)
    payload["credentials"][2]["short_code"] = payload["credentials"][0]["short_code"]
    message = _error(payload, storage_root)
    assert "credentials.2.short_code: Duplicate value 'LAU-0000-9PXM'." in message


def test_payload_must_be_an_object(storage_root) -> None:
    with pytest.raises(InvalidPayloadError, match="expected a JSON object, got list"):
        render_credentials([], storage_root=storage_root)


def test_names_are_normalised_to_nfc(make_credentials_payload, storage_root) -> None:
    payload = make_credentials_payload(1)
    payload["credentials"][0]["learner_name"] = "Nguye\u0302\u0303n"
    render_credentials(payload, storage_root=storage_root)
    manifest = (storage_root / "print-jobs/8b0c0c9e/manifest.csv").read_text("utf-8")
    assert "Nguy\u1ec5n" in manifest


def test_login_sheet_error_hides_password(
    make_login_sheet_payload, storage_root
) -> None:
    payload = make_login_sheet_payload(2)
    payload["rows"][1]["password"] = "secret\tvalue"
    payload["rows"][0]["nickname"] = "x"
    with pytest.raises(InvalidPayloadError) as caught:
        render_login_sheet(payload, storage_root=storage_root)
    message = str(caught.value)
    assert "rows.1.password: Must not contain control characters" in message
    assert "rows.0.nickname: Unknown field." in message
    assert "secret" not in message
