"""Reading rendered PDFs back with pypdf, for assertions."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_FONT_SELECTION = re.compile(r"/(\S+) [\d.]+ Tf")


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    """Return the extracted text of each page."""
    return [page.extract_text() for page in reader(data).pages]


def squeeze(text: str) -> str:
    """Remove all whitespace, so wrapped lines compare equal to the source."""
    return re.sub(r"\s+", "", text)


def page_font_names(data: bytes) -> list[set[str]]:
    """Return, per page, the names of the fonts its text is drawn with.

    WeasyPrint names an embedded font like "ABCDEF+Noto-Serif-Bold"; the
    subset prefix is dropped and dashes become spaces: "Noto Serif Bold".
    """
    result = []
    for page in reader(data).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        content = page.get_contents().get_data().decode("latin-1")
        used = set(_FONT_SELECTION.findall(content))
        names = set()
        for resource_name in used:
            base_font = str(fonts["/" + resource_name].get_object()["/BaseFont"])
            names.add(_SUBSET_PREFIX.sub("", base_font.lstrip("/")).replace("-", " "))
        result.append(names)
    return result


def page_size_points(data: bytes) -> list[tuple[float, float]]:
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in reader(data).pages
    ]
