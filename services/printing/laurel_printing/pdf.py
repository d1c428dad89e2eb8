"""Splitting a rendered PDF into one small PDF per page with pypdf."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

# Resource names as they appear in a content stream, e.g. "/F1" in "/F1 12 Tf".
_NAME_TOKEN = re.compile(rb"/([^\s/\[\]<>(){}%]+)")
_RESOURCE_KINDS = ("/Font", "/XObject", "/ExtGState", "/Pattern", "/Shading")


def page_count(pdf: bytes) -> int:
    """Return the number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _used_names(page) -> set[str]:
    content = page.get_contents()
    data = content.get_data() if content is not None else b""
    return {"/" + token.decode("latin-1") for token in _NAME_TOKEN.findall(data)}


def _prune_resources(page) -> None:
    # WeasyPrint shares one font dictionary between all pages, so a page copied
    # on its own would carry every font of the document without this.
    used = _used_names(page)
    resources = DictionaryObject(page["/Resources"].get_object())
    for kind in _RESOURCE_KINDS:
        if kind not in resources:
            continue
        entries = resources[kind].get_object()
        kept = DictionaryObject(
            {name: value for name, value in entries.items() if name in used}
        )
        resources[NameObject(kind)] = kept
    page[NameObject("/Resources")] = resources


def split_pages(pdf: bytes) -> Iterator[bytes]:
    """Yield one PDF per page of pdf, each with only the resources it uses.

    Fonts stay the subsets of the whole document, so a page's PDF contains the
    glyphs of every page that used the same font.
    """
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        _prune_resources(page)
        writer = PdfWriter()
        writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        yield buffer.getvalue()
