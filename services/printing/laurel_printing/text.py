"""Properties of learner strings that decide how they are laid out."""

from __future__ import annotations

import unicodedata

_RTL_CLASSES = {"R", "AL"}


def base_direction(text: str) -> str:
    """Return "rtl" or "ltr" from the first strong character, as HTML dir=auto does."""
    for char in text:
        bidi_class = unicodedata.bidirectional(char)
        if bidi_class in _RTL_CLASSES:
            return "rtl"
        if bidi_class == "L":
            return "ltr"
    return "ltr"


def _is_kana(codepoint: int) -> bool:
    return 0x3040 <= codepoint <= 0x30FF or 0x31F0 <= codepoint <= 0x31FF


def _is_hangul(codepoint: int) -> bool:
    return (
        0xAC00 <= codepoint <= 0xD7AF
        or 0x1100 <= codepoint <= 0x11FF
        or 0x3130 <= codepoint <= 0x318F
    )


def _is_han(codepoint: int) -> bool:
    return (
        0x4E00 <= codepoint <= 0x9FFF
        or 0x3400 <= codepoint <= 0x4DBF
        or 0x20000 <= codepoint <= 0x3FFFF
    )


def cjk_language(text: str) -> str | None:
    """Return "ja", "ko" or "zh" for text with CJK characters, else None."""
    codepoints = [ord(char) for char in text]
    if any(_is_kana(codepoint) for codepoint in codepoints):
        return "ja"
    if any(_is_hangul(codepoint) for codepoint in codepoints):
        return "ko"
    if any(_is_han(codepoint) for codepoint in codepoints):
        return "zh"
    return None


def visual_length(text: str) -> int:
    """Estimate the width of text in narrow-character units.

    Wide and full-width characters (CJK) count 2, combining marks 0, others 1.
    """
    length = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        length += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return length


def size_step(text: str, limits: tuple[int, ...]) -> int:
    """Return the index of the first limit that text's visual length fits in.

    Templates map the index to a font size, so longer text prints smaller.
    """
    return length_step(visual_length(text), limits)


def length_step(length: int, limits: tuple[int, ...]) -> int:
    """Return the index of the first limit not below length, or len(limits)."""
    for step, limit in enumerate(limits):
        if length <= limit:
            return step
    return len(limits)
