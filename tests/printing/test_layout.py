"""One credential per page at A4 and US Letter, however long its text."""

from __future__ import annotations

import pytest
from laurel_printing import services
from laurel_printing.rendering import overflowing_pages
from laurel_printing.schemas import CredentialsPayloadSchema, load_payload

from . import pdfcheck
from .conftest import credential_data, credentials_payload

# Landscape page sizes in PostScript points.
PAGE_POINTS = {"A4": (842, 595), "Letter": (792, 612)}


def _load(credentials: list[dict]) -> list[dict]:
    payload = credentials_payload(0, credentials=credentials)
    return load_payload(CredentialsPayloadSchema(), payload)["credentials"]


def _longest(number: int, char: str) -> dict:
    # Every printed field at its maximum length, with wide characters.
    return credential_data(
        number,
        learner_name=char * 200,
        organisation=(char * 9 + " ") * 15,
        suite_title=(char * 9 + " ") * 15,
        signer=char * 120,
        areas=[{"title": (char * 9 + " ") * 8, "score": 99.5} for _ in range(24)],
    )


@pytest.mark.parametrize("page_size", PAGE_POINTS)
def test_thirty_credentials_thirty_pages(page_size: str) -> None:
    credentials = _load([credential_data(number) for number in range(30)])
    pdf, pages = services.render_credentials_pdf(credentials, page_size)
    assert pages == 30
    assert pdfcheck.page_size_points(pdf) == [PAGE_POINTS[page_size]] * 30


@pytest.mark.parametrize(
    "name",
    [
        "Maximiliana " * 14 + "Wolfeschlegelsteinhausen",
        "W" * 200,
        "漢" * 200,
        "ب" * 200,
    ],
    ids=["words", "latin-unbroken", "cjk", "arabic"],
)
def test_long_name_stays_on_one_page(name: str) -> None:
    credentials = _load([credential_data(0, learner_name=name), credential_data(1)])
    document = services.render_credentials_document(credentials, "A4")
    assert len(document.pages) == 2
    assert overflowing_pages(document) == []
    pdf = services.get_renderer().write_pdf(document)
    texts = pdfcheck.page_texts(pdf)
    if name[0] != "ب":
        assert pdfcheck.squeeze(name) in pdfcheck.squeeze(texts[0])
    assert credentials[1]["learner_name"] in texts[1]


def test_long_name_prints_smaller() -> None:
    short = services.credential_view(_load([credential_data(0)])[0])
    long = services.credential_view(
        _load([credential_data(0, learner_name="W" * 200)])[0]
    )
    assert short["steps"]["learner_name"] == 0
    assert long["steps"]["learner_name"] > short["steps"]["learner_name"]


@pytest.mark.parametrize("page_size", PAGE_POINTS)
@pytest.mark.parametrize("char", ["W", "漢"])
def test_longest_fields_fit_one_page(page_size: str, char: str) -> None:
    credentials = _load([_longest(0, char), credential_data(1)])
    document = services.render_credentials_document(credentials, page_size)
    assert len(document.pages) == 2
    assert overflowing_pages(document) == []


def test_overflow_check_detects_clipping() -> None:
    # At fit level 0 the longest fields overflow; the check must see it.
    credentials = _load([_longest(0, "W")])
    document = services._render_document(credentials, [0], "A4")
    assert overflowing_pages(document) == [0]


def test_credential_text_is_printed() -> None:
    credential = _load([credential_data(0, learner_name="Zoë Martin")])[0]
    pdf, _ = services.render_credentials_pdf([credential], "A4")
    text = pdfcheck.page_texts(pdf)[0]
    for expected in (
        "Zoë Martin",
        "RIVERSIDE COLLEGE",
        "Workplace Readiness",
        "Communication",
        "82.5",
        "Dana Smith",
        "4 December 2026",
        "LAU-0000-9PXM",
        "http://127.0.0.1:5000/verify/pub0000Xy",
    ):
        assert expected in text


def test_no_areas_prints() -> None:
    credentials = _load([credential_data(0, areas=[])])
    pdf, pages = services.render_credentials_pdf(credentials, "A4")
    assert pages == 1
    assert "Areas and best scores" not in pdfcheck.page_texts(pdf)[0]
