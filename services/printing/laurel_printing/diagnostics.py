"""Checks of the rendering stack, reported by ``laurel-printing check``."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import shutil
import subprocess
from dataclasses import dataclass

from .fonts import FAMILIES, missing_font_files

logger = logging.getLogger(__name__)

# WeasyPrint 70 subsets fonts with HarfBuzz only from this version on and
# otherwise falls back to fontTools, which is much slower (pdf/fonts.py).
HARFBUZZ_SUBSET_MIN_VERSION = (4, 1, 0)
_FONTTOOLS_FALLBACK_MESSAGE = "Using fontTools instead of HarfBuzz-Subset"


@dataclass(frozen=True)
class CheckResult:
    """One named check, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


def harfbuzz_version() -> str:
    """Return the version of the loaded HarfBuzz library, or "unknown"."""
    path = ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0"
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return "unknown"
    library.hb_version_string.restype = ctypes.c_char_p
    return library.hb_version_string().decode()


def harfbuzz_subset_loaded() -> bool:
    """Return whether WeasyPrint loaded libharfbuzz-subset and will subset with it.

    This is the condition WeasyPrint's font subsetting tests before falling
    back to fontTools.
    """
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(
        harfbuzz.hb_version_atleast(*HARFBUZZ_SUBSET_MIN_VERSION)
    )


class _RecordCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def fonttools_fallback_seen() -> bool:
    """Render one line of text and return whether WeasyPrint fell back to fontTools."""
    from weasyprint import HTML

    from .fetcher import AssetFetcher

    collector = _RecordCollector()
    weasyprint_logger = logging.getLogger("weasyprint")
    saved_level = weasyprint_logger.level
    weasyprint_logger.setLevel(logging.WARNING)
    weasyprint_logger.addHandler(collector)
    html = "<p style=\"font-family: 'Noto Sans'\">Subset check</p>"
    try:
        HTML(string=html, url_fetcher=AssetFetcher()).write_pdf()
    finally:
        weasyprint_logger.removeHandler(collector)
        weasyprint_logger.setLevel(saved_level)
    return any(_FONTTOOLS_FALLBACK_MESSAGE in message for message in collector.messages)


def check_harfbuzz_subset() -> CheckResult:
    """Check that WeasyPrint subsets fonts with HarfBuzz, statically and in a render."""
    loaded = harfbuzz_subset_loaded()
    fallback = fonttools_fallback_seen()
    detail = (
        f"HarfBuzz {harfbuzz_version()}; libharfbuzz-subset loaded: "
        f"{'yes' if loaded else 'no'}; fontTools fallback during a test render: "
        f"{'yes' if fallback else 'no'}"
    )
    if not loaded:
        detail += "; install the Debian package libharfbuzz-subset0"
    return CheckResult("harfbuzz-subset", loaded and not fallback, detail)


def check_font_files() -> CheckResult:
    """Check that every font file in the font table exists."""
    missing = missing_font_files()
    if missing:
        listed = ", ".join(str(path) for path in missing)
        return CheckResult("font-files", False, f"missing: {listed}")
    count = sum(len(faces) for faces in FAMILIES.values())
    return CheckResult("font-files", True, f"{count} faces in {len(FAMILIES)} families")


def _fontconfig_match(family: str, bold: bool) -> tuple[str, int]:
    pattern = f"{family}:weight={200 if bold else 80}"
    output = subprocess.run(
        ["fc-match", "--format=%{file}\t%{index}", pattern],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    path, _, index = output.partition("\t")
    return path, int(index or 0)


def check_fontconfig() -> CheckResult:
    """Check that fontconfig maps each family to the file whose cmap we check."""
    if shutil.which("fc-match") is None:
        return CheckResult(
            "fontconfig", False, "fc-match not found; install fontconfig"
        )
    mismatches = []
    for family, faces in FAMILIES.items():
        for face, bold in zip(faces, (False, True), strict=True):
            path, index = _fontconfig_match(family, bold)
            if (path, index) != (str(face.path), face.index):
                mismatches.append(
                    f"{family} ({'bold' if bold else 'regular'}) -> {path}"
                )
    if mismatches:
        return CheckResult(
            "fontconfig", False, "unexpected files: " + "; ".join(mismatches)
        )
    return CheckResult("fontconfig", True, "every family resolves to its listed file")


def run_checks() -> list[CheckResult]:
    """Run every check of the rendering stack."""
    return [check_harfbuzz_subset(), check_font_files(), check_fontconfig()]
