"""Bar charts drawn as inline SVG on the server: no script, nothing fetched.

Each chart is an image (``role="img"``) with a title and a description.
The page puts a table of the same figures beside it, and screen readers
use the table. Colours come from classes in laurel.css, with fill
attributes as a fallback, so no inline style is needed under the
Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_WIDTH = 220  # room for the labels left of horizontal bars
BAR_AREA = 320
VALUE_WIDTH = 120
ROW_HEIGHT = 28
LABEL_CHARS = 30  # longer labels are cut, with the full text in a <title>


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # length, in the chart's units
    text: str  # the figure written next to the bar
    short: str | None = None  # axis text under a column; default: the label cut


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def svg_open(chart_id: str, width: int, height: int, title: str, desc: str) -> str:
    name = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{name}" '
        f'role="img" aria-labelledby="{name}-title {name}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<title id="{name}-title">{escape(title)}</title>'
        f'<desc id="{name}-desc">{escape(desc)}</desc>'
    )


def horizontal_bars(
    chart_id: str, title: str, desc: str, bars: Sequence[Bar], maximum: float
) -> Markup:
    """Draw one horizontal bar per item, longest at ``maximum``."""
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = ROW_HEIGHT * max(1, len(bars)) + 8
    parts = [svg_open(chart_id, width, height, title, desc)]
    for index, bar in enumerate(bars):
        top = 4 + index * ROW_HEIGHT
        length = bar_length(bar.value, maximum, BAR_AREA)
        middle = top + ROW_HEIGHT / 2
        label = escape(shorten(bar.label))
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{middle}" '
            f'text-anchor="end" dominant-baseline="middle">{label}</text>'
            f'<rect class="chart-track" x="{LABEL_WIDTH}" y="{top + 4}" '
            f'width="{BAR_AREA}" height="{ROW_HEIGHT - 8}" fill="#eef1f4"/>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{top + 4}" '
            f'width="{length:.1f}" height="{ROW_HEIGHT - 8}" fill="#1f5fa8"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + BAR_AREA + 8}" y="{middle}" '
            f'dominant-baseline="middle">{escape(bar.text)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(
    chart_id: str, title: str, desc: str, bars: Sequence[Bar], maximum: float
) -> Markup:
    """Draw one vertical column per item, tallest at ``maximum``."""
    slot = 44
    plot_height = 180
    width = max(240, slot * len(bars) + 16)
    height = plot_height + 56
    base = plot_height + 20
    parts = [svg_open(chart_id, width, height, title, desc)]
    parts.append(
        f'<line class="chart-axis" x1="8" y1="{base}" x2="{width - 8}" y2="{base}" '
        'stroke="#5b6775"/>'
    )
    for index, bar in enumerate(bars):
        left = 12 + index * slot
        length = bar_length(bar.value, maximum, plot_height)
        centre = left + (slot - 8) / 2
        axis_label = escape(bar.short or shorten(bar.label, 6))
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<rect class="chart-bar" x="{left}" y="{base - length:.1f}" '
            f'width="{slot - 8}" height="{length:.1f}" fill="#1f5fa8"/>'
            f'<text class="chart-value" x="{centre}" y="{base - length - 4:.1f}" '
            f'text-anchor="middle">{escape(bar.text)}</text>'
            f'<text class="chart-label" x="{centre}" y="{base + 18}" '
            f'text-anchor="middle">{axis_label}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_length(value: float, maximum: float, room: float) -> float:
    if maximum <= 0 or value <= 0:
        return 0.0
    return room * min(value, maximum) / maximum
