"""Font families used in print, and the check that they cover every character.

WeasyPrint finds these families through the system's fontconfig; the table
below names the Debian files (packages fonts-noto-core, fonts-noto-cjk and
fonts-dejavu-core) that fontconfig maps them to. ``laurel-printing check``
compares the table with fontconfig's own answer, and the coverage check reads
the character maps of exactly these files.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_ROOT = Path("/usr/share/fonts")
FONT_PACKAGES = ("fonts-noto-core", "fonts-noto-cjk", "fonts-dejavu-core")


@dataclass(frozen=True)
class FontFace:
    """One face of a family: a file under FONT_ROOT and its index in a collection."""

    family: str
    relative_path: str
    index: int = 0

    @property
    def path(self) -> Path:
        return FONT_ROOT / self.relative_path


def _noto(family: str, stem: str) -> tuple[FontFace, ...]:
    return tuple(
        FontFace(family, f"truetype/noto/{stem}-{weight}.ttf")
        for weight in ("Regular", "Bold")
    )


def _noto_cjk(family: str, style: str, index: int) -> tuple[FontFace, ...]:
    return tuple(
        FontFace(family, f"opentype/noto/Noto{style}CJK-{weight}.ttc", index)
        for weight in ("Regular", "Bold")
    )


FAMILIES: dict[str, tuple[FontFace, ...]] = {
    face[0].family: face
    for face in (
        _noto("Noto Serif", "NotoSerif"),
        _noto("Noto Naskh Arabic", "NotoNaskhArabic"),
        _noto("Noto Serif Hebrew", "NotoSerifHebrew"),
        _noto("Noto Serif Devanagari", "NotoSerifDevanagari"),
        _noto("Noto Serif Thai", "NotoSerifThai"),
        _noto("Noto Serif Armenian", "NotoSerifArmenian"),
        _noto("Noto Serif Georgian", "NotoSerifGeorgian"),
        _noto_cjk("Noto Serif CJK JP", "Serif", 0),
        _noto_cjk("Noto Serif CJK KR", "Serif", 1),
        _noto_cjk("Noto Serif CJK SC", "Serif", 2),
        _noto("Noto Sans", "NotoSans"),
        _noto("Noto Sans Arabic", "NotoSansArabic"),
        _noto("Noto Sans Hebrew", "NotoSansHebrew"),
        _noto("Noto Sans Devanagari", "NotoSansDevanagari"),
        _noto("Noto Sans Thai", "NotoSansThai"),
        _noto("Noto Sans Armenian", "NotoSansArmenian"),
        _noto("Noto Sans Georgian", "NotoSansGeorgian"),
        _noto_cjk("Noto Sans CJK JP", "Sans", 0),
        _noto_cjk("Noto Sans CJK KR", "Sans", 1),
        _noto_cjk("Noto Sans CJK SC", "Sans", 2),
        (
            FontFace("DejaVu Sans Mono", "truetype/dejavu/DejaVuSansMono.ttf"),
            FontFace("DejaVu Sans Mono", "truetype/dejavu/DejaVuSansMono-Bold.ttf"),
        ),
    )
}

_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Thai", "Armenian", "Georgian")
_ARABIC_SERIF = {"Arabic": "Noto Naskh Arabic"}

SERIF_STACK = (
    "Noto Serif",
    *(_ARABIC_SERIF.get(script, f"Noto Serif {script}") for script in _SCRIPTS),
    "Noto Serif CJK JP",
    "Noto Serif CJK KR",
    "Noto Serif CJK SC",
)
SANS_STACK = (
    "Noto Sans",
    *(f"Noto Sans {script}" for script in _SCRIPTS),
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK SC",
)
MONO_STACK = ("DejaVu Sans Mono", *SANS_STACK)
STACKS = {"serif": SERIF_STACK, "sans": SANS_STACK, "mono": MONO_STACK}

# Han characters alone cannot tell Chinese from Japanese, so a name gets the
# CJK face of its language: kana means Japanese, hangul Korean, else Chinese.
CJK_FAMILY_SUFFIX = {"ja": "JP", "ko": "KR", "zh": "SC"}


class FontSetupError(RuntimeError):
    """The font files in FAMILIES are not installed."""


class MissingGlyphsError(ValueError):
    """A printed string contains characters that no font in its stack covers."""


def missing_font_files() -> list[Path]:
    """List the files from FAMILIES that do not exist on this machine."""
    paths = {face.path for faces in FAMILIES.values() for face in faces}
    return sorted(path for path in paths if not path.is_file())


def require_font_files() -> None:
    """Raise FontSetupError naming every missing font file and the fix."""
    missing = missing_font_files()
    if missing:
        listed = ", ".join(str(path) for path in missing)
        packages = " ".join(FONT_PACKAGES)
        raise FontSetupError(
            f"font files not found: {listed}; install the Debian packages {packages}"
        )


@functools.cache
def _face_codepoints(path: Path, index: int) -> frozenset[int]:
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


@functools.cache
def family_coverage(family: str) -> frozenset[int]:
    """Return the code points that every face (regular and bold) of family maps."""
    faces = FAMILIES[family]
    coverage = _face_codepoints(faces[0].path, faces[0].index)
    for face in faces[1:]:
        coverage &= _face_codepoints(face.path, face.index)
    return coverage


@functools.cache
def stack_coverage(stack: str) -> frozenset[int]:
    """Return the code points that at least one family of the named stack maps."""
    require_font_files()
    coverage: frozenset[int] = frozenset()
    for family in STACKS[stack]:
        coverage |= family_coverage(family)
    return coverage


def _needs_glyph(char: str) -> bool:
    # Format characters (ZWJ, ZWNJ, bidi marks) and variation selectors steer
    # shaping and draw nothing, so fonts need not map them.
    codepoint = ord(char)
    if unicodedata.category(char) == "Cf":
        return False
    return not (0xFE00 <= codepoint <= 0xFE0F or 0xE0100 <= codepoint <= 0xE01EF)


def uncovered_characters(text: str, stacks: Iterable[str]) -> list[str]:
    """Return the distinct characters of text missing from any of the stacks."""
    coverages = [stack_coverage(stack) for stack in stacks]
    missing: dict[str, None] = {}
    for char in text:
        if not _needs_glyph(char):
            continue
        if any(ord(char) not in coverage for coverage in coverages):
            missing[char] = None
    return list(missing)


def describe_characters(chars: Iterable[str]) -> str:
    """Format characters as ``U+XXXX 'c'`` items for an error message."""
    return ", ".join(f"U+{ord(char):04X} {char!r}" for char in chars)
