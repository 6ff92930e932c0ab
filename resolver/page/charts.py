"""Inline SVG bar charts, drawn on the server so that they work without JavaScript.

Each row is a label above a bar with its value written beside it; optional markers (the Art. 8
minimums) are drawn as labelled ticks across the bar. The chart is ``role="img"`` with a title
and a description that says every value in words, so a screen reader gets the same facts.
Colours keep 4.5:1 against white for text and 3:1 for the bars (WCAG 2.2 AA).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Marker", "Row", "bar_chart"]

_WIDTH = 400  # viewBox units; the SVG scales to its container, so text stays legible on a phone
_BAR_MAX = 300
_ROW = 58
_BAR = "#1f5f8b"  # 6.6:1 on white
_MARK = "#a4262c"  # 6.4:1 on white
_TEXT = "#1b1b1b"
_TRACK = "#ececec"  # the empty part of a bar (decoration: the bar's end is what carries meaning)


@dataclass(frozen=True, slots=True)
class Marker:
    value: float
    label: str


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    value: float
    text: str  # the value as the page's language writes it, with its unit
    markers: Sequence[Marker] = field(default_factory=tuple)


def bar_chart(
    chart_id: str, title: str, rows: Sequence[Row], *, scale_max: float | None = None, legend: str = ""
) -> str:
    """An SVG bar chart of ``rows``; bars are scaled to ``scale_max`` (default: the largest value
    or marker); values sit in a column right of the bars, so markers never cross them."""
    top = scale_max or max([r.value for r in rows] + [m.value for r in rows for m in r.markers] + [1.0])
    height = _ROW * len(rows) + (26 if legend else 8)
    words = "; ".join(f"{r.label}: {r.text}" + "".join(f" ({m.label})" for m in r.markers) for r in rows)
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {_WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui,sans-serif" font-size="16">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(words)}</desc>',
    ]
    for i, row in enumerate(rows):
        parts.append(_row(row, i * _ROW + 4, top))
    if legend:
        y = _ROW * len(rows) + 18
        parts.append(
            f'<line x1="0" x2="14" y1="{y - 5}" y2="{y - 5}" stroke="{_MARK}" stroke-width="2"/>'
            f'<text x="20" y="{y}" fill="{_TEXT}" font-size="14">{escape(legend)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _row(row: Row, y: int, top: float) -> str:
    width = max(0.0, min(row.value, top)) / top * _BAR_MAX
    parts = [
        f'<text x="0" y="{y + 16}" fill="{_TEXT}">{escape(row.label)}</text>',
        f'<rect x="0" y="{y + 24}" width="{_BAR_MAX}" height="16" fill="{_TRACK}" rx="2"/>',
        f'<rect class="bar" x="0" y="{y + 24}" width="{width:.1f}" height="16" fill="{_BAR}" rx="2"/>',
        f'<text x="{_BAR_MAX + 8}" y="{y + 38}" fill="{_TEXT}" font-weight="600">{escape(row.text)}</text>',
    ]
    for marker in row.markers:
        x = min(marker.value, top) / top * _BAR_MAX
        parts.append(
            f'<line class="marker" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 20}" y2="{y + 44}" '
            f'stroke="{_MARK}" stroke-width="2"><title>{escape(marker.label)}</title></line>'
        )
    return "".join(parts)
