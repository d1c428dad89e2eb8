"""Names in every supported script print with real glyphs, never boxes."""

from __future__ import annotations

import collections
import logging
import unicodedata

import pytest
from laurel_printing import fonts, services
from laurel_printing.jobs import render_credentials
from laurel_printing.rendering import PageSetup, get_renderer
from laurel_printing.schemas import CredentialsPayloadSchema, load_payload

from . import pdfcheck
from .conftest import credential_data, credentials_payload

SCRIPT_NAMES = {
    "latin": "Zoë Åsa Łukasz Müller-Şahin",
    "greek": "Ζωή Παπαδοπούλου",
    "cyrillic": "Дмитрий Шостакович",
    "vietnamese": "Nguyễn Thị Hoa",
    "arabic": "محمد عبد الله",
    "hebrew": "שרה כהן",
    "chinese": "王小明",
    "japanese": "山田 はなこ",
    "korean": "김민준",
    "devanagari": "अनीता शर्मा",
    "thai": "สมชาย ใจดี",
    "armenian": "Անի Պետրոսյան",
    "georgian": "ნინო ბერიძე",
}
# pypdf returns text of these scripts in drawing order or by glyph cluster,
# which differs from the logical order, so only their letters are compared.
REORDERED_SCRIPTS = {"arabic", "hebrew", "devanagari", "thai"}
FONT_NAMES = {
    f"{family} {style}".strip()
    for family in fonts.FAMILIES
    for style in ("", "Bold", "Italic", "Bold Italic")
}


def _letters(text: str) -> collections.Counter:
    return collections.Counter(
        char for char in unicodedata.normalize("NFC", text) if char.isalpha()
    )


@pytest.fixture(scope="module")
def script_pdf() -> bytes:
    credentials = [
        credential_data(number, learner_name=name)
        for number, name in enumerate(SCRIPT_NAMES.values())
    ]
    data = load_payload(
        CredentialsPayloadSchema(), credentials_payload(0, credentials=credentials)
    )
    pdf, _ = services.render_credentials_pdf(data["credentials"], "A4")
    return pdf


@pytest.mark.parametrize("script", SCRIPT_NAMES)
def test_fonts_cover_every_script(script: str) -> None:
    name = SCRIPT_NAMES[script]
    assert fonts.uncovered_characters(name, ("serif", "sans")) == []


def test_scripts_render_without_notdef(caplog: pytest.LogCaptureFixture) -> None:
    credentials = [
        credential_data(number, learner_name=name)
        for number, name in enumerate(SCRIPT_NAMES.values())
    ]
    data = load_payload(
        CredentialsPayloadSchema(), credentials_payload(0, credentials=credentials)
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        services.render_credentials_pdf(data["credentials"], "A4")
    notdef = [record for record in caplog.records if ".notdef" in record.getMessage()]
    assert notdef == []


@pytest.mark.parametrize("script", SCRIPT_NAMES)
def test_script_name_in_extracted_text(script_pdf: bytes, script: str) -> None:
    position = list(SCRIPT_NAMES).index(script)
    text = pdfcheck.page_texts(script_pdf)[position]
    name = SCRIPT_NAMES[script]
    if script in REORDERED_SCRIPTS:
        name_line = next(
            line for line in text.splitlines() if _letters(line) & _letters(name)
        )
        assert _letters(name_line) == _letters(name)
    else:
        assert pdfcheck.squeeze(name) in pdfcheck.squeeze(text)


def test_pages_use_only_checked_fonts(script_pdf: bytes) -> None:
    for position, names in enumerate(pdfcheck.page_font_names(script_pdf)):
        unexpected = names - FONT_NAMES
        assert unexpected == set(), f"page {position + 1} uses {unexpected}"


def test_each_script_uses_its_font(script_pdf: bytes) -> None:
    expected = {
        "arabic": "Noto Naskh Arabic Bold",
        "hebrew": "Noto Serif Hebrew Bold",
        "chinese": "Noto Serif CJK SC Bold",
        "japanese": "Noto Serif CJK JP Bold",
        "korean": "Noto Serif CJK KR Bold",
        "thai": "Noto Serif Thai Bold",
    }
    pages = pdfcheck.page_font_names(script_pdf)
    for script, font_name in expected.items():
        assert font_name in pages[list(SCRIPT_NAMES).index(script)], script


def test_uncovered_name_fails_job_naming_characters(storage_root) -> None:
    payload = credentials_payload(2)
    payload["credentials"][1]["learner_name"] = "Ada \U0001f600 \u1200"
    with pytest.raises(fonts.MissingGlyphsError) as caught:
        render_credentials(payload, storage_root=storage_root)
    message = str(caught.value)
    assert "U+1F600 '\U0001f600'" in message
    assert "U+1200 '\u1200'" in message
    assert "pub0001Xy learner_name" in message
    assert list(storage_root.rglob("*.pdf")) == []


def test_uncovered_area_title_is_reported(storage_root) -> None:
    payload = credentials_payload(1)
    payload["credentials"][0]["areas"][2]["title"] = "Safety \u1210"
    with pytest.raises(fonts.MissingGlyphsError, match=r"areas\.2\.title: U\+1210"):
        render_credentials(payload, storage_root=storage_root)


def test_format_characters_need_no_glyph() -> None:
    # Persian names use ZWNJ; it steers shaping and draws nothing.
    assert fonts.uncovered_characters("می\u200cخواهم", ("serif", "sans")) == []


def test_notdef_glyph_fails_the_render() -> None:
    # Without the cmap check, WeasyPrint would draw a box for U+0378.
    renderer = get_renderer()
    stylesheets = renderer.stylesheets("credentials.css", PageSetup("A4", True, 8))
    document = renderer.render('<p class="serif">A\u0378B</p>', stylesheets)
    with pytest.raises(fonts.MissingGlyphsError, match="U\\+0378"):
        renderer.write_pdf(document)
