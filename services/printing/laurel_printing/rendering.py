"""HTML templates and WeasyPrint rendering with cached fonts and stylesheets."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from .fetcher import ASSETS_DIR, AssetFetcher
from .fonts import (
    CJK_FAMILY_SUFFIX,
    STACKS,
    MissingGlyphsError,
    describe_characters,
)
from .text import base_direction, cjk_language

logger = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Portrait width and height in millimetres of each supported page size.
PAGE_SIZES_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
# Tolerance in CSS pixels when comparing box edges, for rounding in layout.
EDGE_TOLERANCE_PX = 0.5
_WEASYPRINT = logging.getLogger("weasyprint")
_WEASYPRINT_PROGRESS = logging.getLogger("weasyprint.progress")
_NOTDEF_MESSAGE = ".notdef glyph rendered"
_LAYOUT_PAGE_MESSAGE = "Step 5 - Creating layout - Page %d"


def _quote_families(families: tuple[str, ...]) -> str:
    return ", ".join(f'"{family}"' for family in families)


def _cjk_first(families: tuple[str, ...], suffix: str) -> tuple[str, ...]:
    # Only the CJK faces change order, so Latin text keeps its own face.
    cjk = [family for family in families if " CJK " in family]
    cjk.sort(key=lambda family: not family.endswith(f"CJK {suffix}"))
    return tuple(family for family in families if " CJK " not in family) + tuple(cjk)


def font_css() -> str:
    """Return CSS rules giving .serif, .sans and .mono their stacks.

    Elements with lang ja, ko or zh get their CJK face before the other CJK
    faces, so Han characters take the glyph forms of that language.
    """
    rules = []
    for name, families in STACKS.items():
        rules.append(f".{name} {{ font-family: {_quote_families(families)}; }}")
        for lang, suffix in CJK_FAMILY_SUFFIX.items():
            ordered = _quote_families(_cjk_first(families, suffix))
            rules.append(f".{name}:lang({lang}) {{ font-family: {ordered}; }}")
    return "\n".join(rules)


def text_attributes(text: str) -> dict[str, str]:
    """Return the dir and, for CJK text, lang attributes for an element."""
    attributes = {"dir": base_direction(text)}
    language = cjk_language(text)
    if language:
        attributes["lang"] = language
    return attributes


@functools.cache
def template_environment() -> jinja2.Environment:
    """Return the Jinja2 environment; it escapes every value in every template."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["text_attributes"] = text_attributes
    return environment


def render_html(template_name: str, context: dict) -> str:
    """Render template_name with context into an HTML string."""
    return template_environment().get_template(template_name).render(context)


@dataclass(frozen=True)
class PageSetup:
    """Page size, orientation and margin of one kind of document."""

    page_size: str
    landscape: bool
    margin_mm: float

    def css(self) -> str:
        """Return the @page rule and the height of a full-page .sheet box."""
        width, height = PAGE_SIZES_MM[self.page_size]
        if self.landscape:
            width, height = height, width
        margin = self.margin_mm
        return (
            f"@page {{ size: {width}mm {height}mm; margin: {margin}mm; }}\n"
            f".sheet {{ height: {height - 2 * margin:.2f}mm; }}"
        )


class Renderer:
    """WeasyPrint with one FontConfiguration and parsed stylesheets reused per call."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.fetcher = AssetFetcher()
        self._stylesheets: dict[tuple[str, PageSetup], list[CSS]] = {}

    def stylesheets(self, name: str, page: PageSetup) -> list[CSS]:
        """Return the parsed stylesheets: fonts, the asset name, then the page."""
        cache_key = (name, page)
        if cache_key not in self._stylesheets:
            self._stylesheets[cache_key] = self._parse(name, page)
        return self._stylesheets[cache_key]

    def _parse(self, name: str, page: PageSetup) -> list[CSS]:
        sources = (
            font_css(),
            (ASSETS_DIR / name).read_text(encoding="utf-8"),
            page.css(),
        )
        return [
            CSS(
                string=source,
                base_url=ASSETS_DIR.as_uri() + "/",
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )
            for source in sources
        ]

    def render(self, html: str, stylesheets: list[CSS]) -> Document:
        """Lay out html with stylesheets; relative URLs resolve into the assets."""
        document = HTML(
            string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=self.fetcher
        )
        return document.render(stylesheets=stylesheets, font_config=self.font_config)

    def write_pdf(self, document: Document) -> bytes:
        """Return document as PDF bytes; raise MissingGlyphsError on a .notdef glyph.

        The cmap check runs before rendering, so this only trips if fontconfig
        picked a face other than the checked ones.
        """
        with _capture_notdef_glyphs() as missing:
            data = document.write_pdf()
        if missing:
            raise MissingGlyphsError(
                "WeasyPrint drew empty boxes for characters that no font covers: "
                + describe_characters(missing)
            )
        return data


@functools.cache
def get_renderer() -> Renderer:
    """Return the renderer shared by every job in this process."""
    return Renderer()


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None:
        return set()
    return set((element.get("class") or "").split())


def _bottom(box) -> float:
    return box.position_y + box.margin_height()


def _boxes_by_class(page, names: set[str]) -> dict[str, object]:
    # The first box of an element is its outermost, e.g. a table's wrapper.
    found: dict[str, object] = {}
    for box in page._page_box.descendants():
        for name in _classes(box) & names:
            found.setdefault(name, box)
    return found


def sheet_overflows(page) -> bool:
    """Return whether the .content box of a page overflows or meets the .footer.

    Both are absolutely positioned inside the sheet, so overflowing text
    would be clipped or overlap instead of moving to another page.

    NOTE: this walks WeasyPrint's laid-out boxes through the private
    Page._page_box, which the pinned major version keeps stable.
    """
    boxes = _boxes_by_class(page, {"content", "footer"})
    content, footer = boxes["content"], boxes["footer"]
    limit = content.content_box_y() + content.height + EDGE_TOLERANCE_PX
    if any(_bottom(box) > limit for box in content.descendants() if box is not content):
        return True
    return (
        footer.position_y
        < content.position_y + content.margin_height() - EDGE_TOLERANCE_PX
    )


def overflowing_pages(document: Document) -> list[int]:
    """Return the indexes of pages whose sheet content does not fit."""
    return [index for index, page in enumerate(document.pages) if sheet_overflows(page)]


class _NotdefHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.characters: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith(_NOTDEF_MESSAGE) and record.args:
            self.characters.append(str(record.args[0]))


@contextlib.contextmanager
def _capture_notdef_glyphs() -> Iterator[list[str]]:
    # WeasyPrint 70 warns on its "weasyprint" logger for each .notdef glyph
    # it draws (draw/text.py), with the character as the first argument.
    handler = _NotdefHandler()
    saved_level = _WEASYPRINT.level
    _WEASYPRINT.setLevel(min(_WEASYPRINT.getEffectiveLevel(), logging.WARNING))
    _WEASYPRINT.addHandler(handler)
    try:
        yield handler.characters
    finally:
        _WEASYPRINT.removeHandler(handler)
        _WEASYPRINT.setLevel(saved_level)


class _LayoutPageHandler(logging.Handler):
    def __init__(self, on_page: Callable[[int], None]) -> None:
        super().__init__(level=logging.INFO)
        self._on_page = on_page

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == _LAYOUT_PAGE_MESSAGE and record.args:
            self._on_page(int(record.args[0]))


@contextlib.contextmanager
def report_layout_pages(on_page: Callable[[int], None]) -> Iterator[None]:
    """Call on_page(n) as WeasyPrint starts laying out page n.

    NOTE: this relies on WeasyPrint's "weasyprint.progress" log messages,
    which are not a stable API; the pinned major version keeps them fixed.
    """
    handler = _LayoutPageHandler(on_page)
    saved_level = _WEASYPRINT_PROGRESS.level
    saved_propagate = _WEASYPRINT_PROGRESS.propagate
    _WEASYPRINT_PROGRESS.setLevel(logging.INFO)
    _WEASYPRINT_PROGRESS.propagate = False
    _WEASYPRINT_PROGRESS.addHandler(handler)
    try:
        yield
    finally:
        _WEASYPRINT_PROGRESS.removeHandler(handler)
        _WEASYPRINT_PROGRESS.setLevel(saved_level)
        _WEASYPRINT_PROGRESS.propagate = saved_propagate
