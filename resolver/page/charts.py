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

__all__ = ["Marker", "Point", "Row", "bar_chart", "line_chart"]

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
class Point:
    x: float  # time, seconds since the epoch
    y: float


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


_PLOT = (48, 12, 388, 172)  # left, top, right, bottom of the plot area in viewBox units


def line_chart(
    chart_id: str,
    title: str,
    points: Sequence[Point],
    *,
    summary: str,
    y_labels: Sequence[tuple[float, str]],
    x_labels: tuple[str, str],
) -> str:
    """An SVG line of ``points`` (oldest first) over horizontal grid lines at ``y_labels``
    (value, text; the lowest and highest give the scale), the first and last dates written
    under the ends. ``summary`` says in words what the line shows (the chart's description)."""
    left, top, right, bottom = _PLOT
    low, high = y_labels[0][0], y_labels[-1][0]
    start, end = points[0].x, points[-1].x
    span_x, span_y = (end - start) or 1.0, (high - low) or 1.0

    def at(point: Point) -> tuple[float, float]:
        y = min(max(point.y, low), high)
        x = left + (point.x - start) / span_x * (right - left)
        return x, bottom - (y - low) / span_y * (bottom - top)

    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {_WIDTH} 200" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui,sans-serif" font-size="14">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(summary)}</desc>',
    ]
    for value, text in y_labels:
        y = bottom - (value - low) / span_y * (bottom - top)
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#8a8a8a" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 5:.1f}" fill="{_TEXT}" text-anchor="end">{escape(text)}</text>'
        )
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(at, points))
    parts.append(f'<polyline class="line" points="{coords}" fill="none" stroke="{_BAR}" stroke-width="2.5"/>')
    last_x, last_y = at(points[-1])
    parts.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="4" fill="{_BAR}"/>')
    parts.append(
        f'<text x="{left}" y="194" fill="{_TEXT}">{escape(x_labels[0])}</text>'
        f'<text x="{right}" y="194" fill="{_TEXT}" text-anchor="end">{escape(x_labels[1])}</text></svg>'
    )
    return "".join(parts)
