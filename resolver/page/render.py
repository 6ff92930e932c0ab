"""The page a person sees behind the QR code: one passport tier view as accessible HTML.

Server-rendered, one request (styles inline, charts inline SVG, no scripts, no fonts or images
fetched), readable on a phone. Built only from the tier view it is given, so it never shows more
than the caller may see; the data points that tier hides are named as hidden. Every string from
the document is escaped, and links are made only for http(s) IRIs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import orjson

from resolver.gs1.linkset import LANGUAGES
from resolver.jsontypes import JSON
from resolver.page.charts import Marker, Row, bar_chart
from resolver.page.dump import dump
from resolver.page.health import PageHealth
from resolver.page.hidden import HiddenPoint, hidden_points
from resolver.page.history import history_section
from resolver.page.i18n import Texts, texts
from resolver.tiers import Tier

__all__ = ["ART8_MINIMUMS", "STYLE", "PageContext", "render_page"]

# Regulation (EU) 2023/1542, Art. 8(2) and (3): minimum recycled shares (percent) from 18 August
# 2031 and from 18 August 2036.
ART8_MINIMUMS: Mapping[str, tuple[tuple[int, float], ...]] = {
    "cobalt": ((2031, 16.0), (2036, 26.0)),
    "lithium": ((2031, 6.0), (2036, 12.0)),
    "nickel": ((2031, 6.0), (2036, 15.0)),
    "lead": ((2031, 85.0), (2036, 85.0)),
}
_STAGES = ("rawMaterialAcquisition", "mainProduction", "distribution", "endOfLife")
_UNITS = {"KGM": "kg", "AMH": "Ah", "KWT": "kW", "VLT": "V", "P1": "%", "ANN": "a", "CEL": "°C", "OHM": "Ω"}
STYLE = (
    "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;"
    "color:#1b1b1b;background:#fff}header,main,footer{max-width:48rem;margin:0 auto;padding:0 1rem}"
    "header{padding-top:1rem}h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin:1.6rem 0 .5rem;"
    "border-bottom:2px solid #1f5f8b}p.sub{color:#4a4a4a;margin:.2rem 0}a{color:#0b57d0}"
    "a:focus,summary:focus{outline:3px solid #1b1b1b;outline-offset:2px}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.3rem}"
    "nav ul{list-style:none;padding:0;margin:.5rem 0;display:flex;gap:1rem;flex-wrap:wrap}"
    "dl{display:grid;grid-template-columns:minmax(8rem,40%) 1fr;gap:.2rem 1rem;margin:0}"
    "dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #8a8a8a;vertical-align:top}"
    "caption{text-align:left;font-weight:600;padding:.3rem 0}.chart{max-width:32rem;display:block}"
    "ol.timeline{padding-left:1.2rem}.hidden li{margin:.15rem 0}.tag{font-size:.85rem;color:#4a4a4a}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "@media (max-width:30rem){th,td{padding:.3rem .2rem;font-size:.9rem}"
    "dl{grid-template-columns:1fr}dd{margin-bottom:.3rem}}"
    "footer{margin:2rem auto;color:#4a4a4a}details{margin-top:1.6rem}summary{font-weight:600;cursor:pointer}"
    "details dl{grid-template-columns:minmax(6rem,35%) 1fr}details dl dl{display:block}"
)


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the page says about where it is: the passport's path, version, time, tier, language."""

    handle: str
    path: str  # the passport's path on this node, for links to its formats and QR code
    version: int
    modified: str  # ISO date-time of the version ("" when unknown)
    tier: Tier
    lang: str
    health: PageHealth | None = None  # the readings, rating and warnings (None: none, or hidden)


def render_page(view: bytes, page: PageContext) -> bytes:
    """The page of ``view`` (compact JSON-LD bytes of the tier ``page.tier``)."""
    doc = orjson.loads(view)
    if not isinstance(doc, dict):
        doc = {}
    t = texts(page.lang)
    name = _text(doc.get("productName")) or _text(doc.get("model")) or page.handle
    parts = [
        f'<!DOCTYPE html>\n<html lang="{page.lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(t('title'))}: {escape(name)}</title><style>{STYLE}</style></head><body>",
        f'<a class="skip" href="#main">{escape(t("skip"))}</a>',
        _header(doc, page, t, name),
        '<main id="main">',
        _identity(doc, page, t),
        _carbon(doc, t),
        _recycled(doc, t),
        _hazardous(doc, t),
        _health(doc, page, t),
        _lifecycle(doc, page, t),
        _hidden(hidden_points(page.tier), page.tier, t),
        f"<details><summary>{escape(t('all_data'))}</summary>{dump(doc)}</details>",
        "</main>",
        _footer(page, t),
        "</body></html>\n",
    ]
    return "".join(parts).encode("utf-8")


def _header(doc: Mapping[str, JSON], page: PageContext, t: Texts, name: str) -> str:
    maker = _text(_get(doc, "manufacturer", "organizationName"))
    langs = "".join(
        f'<li><a href="{escape(page.path)}?format=html&amp;lang={lang}" hreflang="{lang}" lang="{lang}"'
        + (' aria-current="page"' if lang == page.lang else "")
        + f">{escape(texts(lang)('_language'))}</a></li>"
        for lang in LANGUAGES
    )
    sub = " · ".join(escape(x) for x in (maker, _text(doc.get("model"))) if x)
    return (
        f'<header><p class="sub">{escape(t("title"))}</p><h1>{escape(name)}</h1>'
        f'<p class="sub">{sub}</p><nav aria-label="{escape(t("languages"))}"><ul>{langs}</ul></nav></header>'
    )


def _identity(doc: Mapping[str, JSON], page: PageContext, t: Texts) -> str:
    place = _get(doc, "manufacturingPlace", "address")
    where = ", ".join(
        _text(place.get(k))
        for k in ("addressLocality", "addressCountry")
        if isinstance(place, Mapping) and place.get(k)
    )
    rows = [
        ("maker", escape(_text(_get(doc, "manufacturer", "organizationName")))),
        ("model", escape(_text(doc.get("model")))),
        ("category", escape(_text(doc.get("category")))),
        ("chemistry", escape(_text(doc.get("chemistry")))),
        ("weight", escape(_quantity(doc.get("weight"), t))),
        ("capacity", escape(_quantity(doc.get("ratedCapacity"), t))),
        (
            "manufactured",
            escape(t.date(_text(doc.get("manufacturingDate")))) if doc.get("manufacturingDate") else "",
        ),
        ("place", escape(where)),
        ("identifier", f"<code>{escape(page.handle)}</code>"),
    ]
    items = "".join(f"<dt>{escape(t(key))}</dt><dd>{value}</dd>" for key, value in rows if value)
    view = escape(t("view", version=page.version, tier=t("tier." + page.tier.label)))
    return _section("h-identity", t("identity"), f'<dl>{items}</dl><p class="tag">{view}</p>')


def _carbon(doc: Mapping[str, JSON], t: Texts) -> str:
    footprint = doc.get("carbonFootprint")
    if not isinstance(footprint, Mapping):
        return ""
    rows: list[Row] = []
    unit = ""
    for stage in _STAGES:
        value = footprint.get(stage)
        if isinstance(value, Mapping) and isinstance(value_number := value.get("value"), int | float):
            unit = _text(value.get("unit")) or unit
            rows.append(Row(t("stage." + stage), float(value_number), t.number(float(value_number))))
    parts = [
        f'<section aria-labelledby="carbon-footprint"><h2 id="carbon-footprint">{escape(t("carbon"))}</h2>'
    ]
    if rows:
        parts.append(bar_chart("chart-carbon", t("carbon_chart", unit=unit), rows))
    facts = []
    total = footprint.get("total")
    if isinstance(total, Mapping) and isinstance(total_number := total.get("value"), int | float):
        facts.append((t("carbon_total"), f"{t.number(float(total_number))} {_text(total.get('unit'))}"))
    if footprint.get("performanceClass"):
        facts.append((t("carbon_class"), _text(footprint["performanceClass"]).removeprefix("class")))
    parts.append("<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts) + "</dl>")
    study = footprint.get("studyUrl")
    if _is_url(study):
        parts.append(f'<p><a href="{escape(str(study))}">{escape(t("carbon_study"))}</a></p>')
    parts.append("</section>")
    return "".join(parts)


def _recycled(doc: Mapping[str, JSON], t: Texts) -> str:
    content = doc.get("recycledContent")
    if not isinstance(content, Mapping):
        return ""
    rows: list[Row] = []
    table = []
    for material, minimums in ART8_MINIMUMS.items():
        share = content.get(f"recycled{material.capitalize()}Share")
        if not isinstance(share, int | float):
            continue
        label = t("mat." + material)
        markers = [Marker(m, f"{t('recycled_min', year=y)}: {t.number(m)} %") for y, m in minimums]
        rows.append(Row(label, float(share), f"{t.number(float(share))} %", markers))
        verdicts = ", ".join(
            f"{t('recycled_min', year=y)}: {t.number(m)} % ({t('meets') if share >= m else t('below')})"
            for y, m in minimums
        )
        table.append(
            f'<tr><th scope="row">{escape(label)}</th>'
            f"<td>{escape(t.number(float(share)))} %</td><td>{escape(verdicts)}</td></tr>"
        )
    if not rows:
        return ""
    head = "".join(f'<th scope="col">{escape(x)}</th>' for x in (t("material"), t("share"), "Art. 8"))
    chart = bar_chart(
        "chart-recycled", t("recycled_chart"), rows, scale_max=100.0, legend=t("recycled_legend")
    )
    return _section(
        "recycled-content", t("recycled"), chart + _table(t("recycled"), f"<tr>{head}</tr>{''.join(table)}")
    )


def _hazardous(doc: Mapping[str, JSON], t: Texts) -> str:
    substances = doc.get("hazardousSubstances")
    if not isinstance(substances, list):
        return ""
    rows = []
    for item in substances:
        if not isinstance(item, Mapping):
            continue
        concentration = item.get("concentration")
        share = t.number(float(concentration)) if isinstance(concentration, int | float) else ""
        cells = (_text(item.get("name")), _text(item.get("casNumber")), share, _text(item.get("location")))
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    heads = "".join(
        f'<th scope="col">{escape(t(k))}</th>' for k in ("substance", "cas", "concentration", "location")
    )
    body = "".join(rows) or f'<tr><td colspan="4">{escape(t("none"))}</td></tr>'
    return _section("hazardous-substances", t("hazardous"), _table(t("hazardous"), f"<tr>{heads}</tr>{body}"))


def _health(doc: Mapping[str, JSON], page: PageContext, t: Texts) -> str:
    rows: list[Row] = []
    for name in ("stateOfCertifiedEnergy", "remainingCapacity"):
        value = doc.get(name)
        if isinstance(value, Mapping) and isinstance(value_number := value.get("value"), int | float):
            rows.append(Row(t("soh." + name), float(value_number), f"{t.number(float(value_number))} %"))
    facts = []
    fade = doc.get("capacityFade")
    if isinstance(fade, Mapping) and isinstance(fade_number := fade.get("value"), int | float):
        facts.append((t("soh.capacityFade"), f"{t.number(float(fade_number))} %"))
    for name in ("cycleCount", "expectedRemainingCycles"):
        if isinstance(count := doc.get(name), int | float):
            facts.append((t("soh." + name), t.number(float(count))))
    history = history_section(page.health, t, page.path) if page.health is not None else ""
    if not rows and not facts and not history:
        return ""  # the tier does not show it; the hidden section names it
    chart = bar_chart("chart-health", t("health_chart"), rows, scale_max=100.0) if rows else ""
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    listed = f"<dl>{items}</dl>" if items else ""
    return _section("health", t("health"), f"{chart}{listed}{history}")


def _lifecycle(doc: Mapping[str, JSON], page: PageContext, t: Texts) -> str:
    events: list[tuple[str, str]] = []
    if doc.get("manufacturingDate"):
        events.append((_text(doc["manufacturingDate"]), t("event.manufactured")))
    negative = doc.get("negativeEvents")
    for event in negative if isinstance(negative, list) else []:
        if isinstance(event, Mapping) and event.get("eventDate"):
            what = " — ".join(
                x for x in (_text(event.get("eventType")), _text(event.get("description"))) if x
            )
            events.append((_text(event["eventDate"]), what))
    if page.modified:
        events.append((page.modified, t("event.updated", version=page.version)))
    events.sort()
    items = "".join(
        f'<li><time datetime="{escape(when[:10])}">{escape(t.date(when))}</time>: {escape(what)}</li>'
        for when, what in events
    )
    parts = [f'<section aria-labelledby="lifecycle"><h2 id="lifecycle">{escape(t("lifecycle"))}</h2>']
    status = _text(doc.get("status"))
    if status:
        shown = t("status." + status) if t.has("status." + status) else status
        parts.append(f"<dl><dt>{escape(t('status'))}</dt><dd>{escape(shown)}</dd></dl>")
    parts.append(f'<ol class="timeline">{items}</ol>')
    earlier = [str(x) for x in _as_list(doc.get("predecessor")) if _is_url(x)]
    if earlier:
        links = "".join(f'<li><a href="{escape(x)}">{escape(x)}</a></li>' for x in earlier)
        parts.append(f"<p>{escape(t('predecessor'))}:</p><ul>{links}</ul>")
    parts.append("</section>")
    return "".join(parts)


def _hidden(points: Sequence[HiddenPoint], tier: Tier, t: Texts) -> str:
    if not points:
        return ""
    items = []
    for point in points:
        seen_by = ", ".join(t("tier." + x.label) for x in Tier if x >= point.tier)
        label = t(f"dp.{point.number}") if t.has(f"dp.{point.number}") else point.label
        items.append(
            f"<li>{point.number}. {escape(label)} "
            f'<span class="tag">({escape(t("visible_to", tiers=seen_by))})</span></li>'
        )
    return (
        f'<section aria-labelledby="hidden" class="hidden"><h2 id="hidden">{escape(t("hidden"))}</h2>'
        f"<p>{escape(t('hidden_intro'))}</p><ul>{''.join(items)}</ul></section>"
    )


def _footer(page: PageContext, t: Texts) -> str:
    path = escape(page.path)
    formats = " · ".join(
        f'<a href="{path}?format={fmt}">{label}</a>'
        for fmt, label in (("jsonld", "JSON-LD"), ("turtle", "Turtle"), ("ntriples", "N-Triples"))
    )
    qr = f'<a href="{path}/qr">{escape(t("qr"))}</a>'
    return f"<footer><p>{escape(t('formats'))}: {formats} · {qr}</p></footer>"


def _table(label: str, rows: str) -> str:
    """A table that scrolls sideways in its own focusable region when a phone is too narrow."""
    region = f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(label)}">'
    return f"{region}<table>{rows}</table></div>"


def _section(section_id: str, title: str, body: str) -> str:
    heading = f'<h2 id="{section_id}">{escape(title)}</h2>'
    return f'<section aria-labelledby="{section_id}">{heading}{body}</section>'


def _get(doc: Mapping[str, JSON], first: str, *path: str) -> JSON:
    value = doc.get(first)
    for name in path:
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def _text(value: object) -> str:
    if isinstance(value, Mapping) and "@value" in value:
        value = value["@value"]
    return "" if value is None or isinstance(value, Mapping | list) else str(value)


def _quantity(value: JSON, t: Texts) -> str:
    if isinstance(value, Mapping) and isinstance(value_number := value.get("value"), int | float):
        unit = _text(value.get("unit"))
        return f"{t.number(float(value_number))} {_UNITS.get(unit, unit)}".strip()
    return ""


def _as_list(value: JSON) -> list[JSON]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _is_url(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and not any(c in value for c in " \"'<>")
    )
