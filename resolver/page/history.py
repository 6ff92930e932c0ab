"""The page's account of a battery's life since it was made: its state of health over time as
an inline SVG line, the current health rating and the warnings raised (``PageHealth``)."""

from __future__ import annotations

import datetime
import math
from html import escape

from resolver.page.charts import Point, line_chart
from resolver.page.health import PageHealth, PageWarning
from resolver.page.i18n import Texts

__all__ = ["history_section"]


def history_section(health: PageHealth, t: Texts, path: str) -> str:
    """The history chart, the rating and the warnings, under headings of the health section;
    ``path`` is the passport's path on this node (its events are at ``{path}/events``)."""
    links = (
        f'<p><a href="{escape(path)}/events" type="application/ld+json">{escape(t("soh.events"))}</a> · '
        f'<a href="{escape(path)}/health" type="application/json">{escape(t("soh.health_json"))}</a></p>'
    )
    return _chart(health, t) + _rating(health, t) + _warnings(health, t) + links


def _iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).date().isoformat()


def _chart(health: PageHealth, t: Texts) -> str:
    heading = f'<h3 id="health-history">{escape(t("soh.history"))}</h3>'
    points = health.points
    if not points:
        return heading + f"<p>{escape(t('soh.no_readings'))}</p>"
    lowest = min(p.value for p in points)
    floor = max(0, min(80, math.floor(lowest / 10.0) * 10))
    first, last = points[0], points[-1]
    summary = t(
        "soh.summary",
        n=t.number(health.readings),
        first=t.number(first.value),
        first_date=t.date(_iso(first.time)),
        last=t.number(last.value),
        last_date=t.date(_iso(last.time)),
        lowest=t.number(lowest),
    )
    chart = line_chart(
        "chart-health-history",
        t("soh.history_chart", name=t("soh." + health.data_point)),
        [Point(p.time, p.value) for p in points],
        summary=summary,
        y_labels=[(float(v), f"{t.number(v)} %") for v in range(floor, 101, 10)],
        x_labels=(t.date(_iso(first.time)), t.date(_iso(last.time))),
    )
    return f"{heading}{chart}<p>{escape(summary)}</p>"


def _rating(health: PageHealth, t: Texts) -> str:
    grade_key = "grade." + health.grade
    grade = t(grade_key) if t.has(grade_key) else health.grade
    facts = [(t("soh.grade"), grade)]
    not_enough = t("grade.not enough data")
    for key, value, unit in (
        ("soh.fade_year", health.fade_per_year, " %"),
        ("soh.fade_cycles", health.fade_per_100_cycles, " %"),
        ("soh.remaining_energy", health.remaining_kwh, " kWh"),
    ):
        facts.append((t(key), not_enough if value is None else t.number(round(value, 2)) + unit))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return f'<h3 id="health-rating">{escape(t("soh.rating"))}</h3><dl>{items}</dl>'


def _warnings(health: PageHealth, t: Texts) -> str:
    heading = f'<h3 id="health-warnings">{escape(t("soh.warnings"))}</h3>'
    if not health.warnings:
        return heading + f"<p>{escape(t('soh.no_warnings'))}</p>"
    items = "".join(_warning(w, t) for w in health.warnings)
    shown = t("soh.warnings_shown", shown=len(health.warnings), total=health.warnings_total)
    return f'{heading}<p>{escape(shown)}</p><ul class="warnings">{items}</ul>'


def _warning(warning: PageWarning, t: Texts) -> str:
    severity_key = "severity." + warning.severity
    severity = t(severity_key) if t.has(severity_key) else warning.severity
    state = t("soh.acknowledged") if warning.acknowledged else t("soh.open")
    # The rule's message is the node's own text, in English.
    return (
        f'<li><strong>{escape(severity)}</strong> · <time datetime="{escape(warning.time[:10])}">'
        f"{escape(t.date(warning.time))}</time> · {escape(state)}: "
        f'<span lang="en">{escape(warning.message)}</span></li>'
    )
