"""The readiness report: lines, the passport facts they are computed from, and the three
renderings (terminal table, JSON, HTML). Markets (``eu``, ``cn``, ``gba``) add the lines.

Pure: the caller gives the expanded passport, its validation report and the date.
"""

from __future__ import annotations

import datetime
import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from resolver.jsontypes import JSON, JSONObject
from resolver.tiers import Tier

__all__ = ["STATUSES", "Facts", "Line", "Readiness", "facts_of", "parse_date", "root_predicate"]

# What a line says, in the order the summary lists them.
STATUSES = (
    "valid",  # present, and no violation names it
    "failing",  # present, but a violation names it (reason given)
    "missing",  # mandatory on the date, absent
    "later",  # mandatory from a later date (due), or when an act sets the date
    "conditional",  # mandatory only if its condition holds (reason says which)
    "optional",
    "not-applicable",  # the guidance says not to fill it for this category
    "hidden",  # absent from the view read, whose tier is below the data point's
)


@dataclass(frozen=True, slots=True)
class Line:
    key: str  # "dp12", "art8-cobalt-2031", "cn-vin", ...
    label: str
    status: str
    source: str  # the legal source: article and annex
    tier: str  # who may read it
    due: str | None = None  # an ISO date, or why there is none yet
    reason: str = ""

    def to_json(self) -> JSONObject:
        return {
            "key": self.key,
            "label": self.label,
            "status": self.status,
            "source": self.source,
            "tier": self.tier,
            "due": self.due,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Facts:
    """What the report reads from a passport: the predicates it holds (with their literal
    values), its category and chemistry, and the violations per data point and per property
    (the first property of the violation's path)."""

    passport: str
    values: dict[str, list[object]]
    category: str | None
    chemistry: str | None  # the chemistry concept's IRI
    failures: dict[int, list[str]] = field(default_factory=dict)
    visible: Tier = Tier.AUTHORITY  # the tier of the view the facts were read from
    problems: dict[str, list[str]] = field(default_factory=dict)

    def failing(self, predicates: Iterable[str]) -> list[str]:
        """The violations' messages on any of ``predicates``."""
        return [message for p in predicates for message in self.problems.get(p, [])]

    def hidden(self, tier: Tier) -> bool:
        """Whether a value of ``tier`` could not be in the view read."""
        return tier > self.visible

    def has(self, predicate: str) -> bool:
        return bool(self.values.get(predicate))

    def number(self, predicate: str) -> float | None:
        for value in self.values.get(predicate, []):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
        return None


@dataclass(frozen=True, slots=True)
class Readiness:
    passport: str
    market: str
    on: datetime.date
    category: str | None
    lines: tuple[Line, ...]
    profile: str = "eu-battery"  # the profile the passport is written in and was judged by
    translated: bool = False  # read through the cn -> eu mapping (docs/cn-profile.md)

    @property
    def judged_by(self) -> str:
        """How the passport was judged, in words."""
        mapped = " and read through the cn-battery to eu-battery mapping" if self.translated else ""
        return f"judged by the {self.profile} profile{mapped}"

    def counts(self) -> dict[str, int]:
        counted = Counter(line.status for line in self.lines)
        return {status: counted[status] for status in STATUSES if counted[status]}

    @property
    def ready(self) -> bool:
        return not any(line.status in ("missing", "failing") for line in self.lines)

    def to_json(self) -> JSONObject:
        lines: list[JSON] = [line.to_json() for line in self.lines]
        counts: JSONObject = dict(self.counts())
        return {
            "passport": self.passport,
            "market": self.market,
            "on": self.on.isoformat(),
            "category": self.category,
            "profile": self.profile,
            "mapped": self.translated,
            "ready": self.ready,
            "counts": counts,
            "lines": lines,
        }

    def to_table(self) -> str:
        head = (
            f"Readiness of {self.passport} for market {self.market} on {self.on.isoformat()}"
            f" (category {self.category or 'unknown'}; {self.judged_by}):"
            f" {'ready' if self.ready else 'NOT ready'}"
        )
        rows = [("point", "status", "due", "tier", "source", "data point / reason")]
        for line in self.lines:
            text = line.label if not line.reason else f"{line.label}: {line.reason}"
            rows.append((line.key, line.status, line.due or "", line.tier, line.source, text))
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        out = [head, ""]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(5)]
            out.append("  ".join([*cells, row[5]]).rstrip())
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items())
        out += ["", counts]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        e = html.escape
        rows = "\n".join(
            f'<tr class="{e(line.status)}"><td>{e(line.key)}</td><td>{e(line.label)}</td>'
            f"<td>{e(line.status)}</td><td>{e(line.due or '')}</td><td>{e(line.tier)}</td>"
            f"<td>{e(line.source)}</td><td>{e(line.reason)}</td></tr>"
            for line in self.lines
        )
        counts = ", ".join(f"{n} {e(status)}" for status, n in self.counts().items())
        title = f"Readiness of {self.passport} for {self.market.upper()} on {self.on.isoformat()}"
        return (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>\n"
            f"<h1>{e(title)}</h1>\n<p>Category: {e(self.category or 'unknown')}; {e(self.judged_by)}. "
            f"{'Ready' if self.ready else 'Not ready'}: {counts}.</p>\n"
            "<table><thead><tr><th>Point</th><th>Data point</th><th>Status</th><th>Due</th>"
            "<th>Tier</th><th>Legal source</th><th>Reason</th></tr></thead><tbody>\n"
            f"{rows}\n</tbody></table></body></html>\n"
        )


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    ".missing td,.failing td{background:#fde2e2}.later td{background:#fff6d6}.valid td{background:#e6f5e6}"
)


def parse_date(text: str | None, today: datetime.date) -> datetime.date:
    """``--on``/``?on=``: an ISO date (``2027-02-18``) or a month (``2027-02``, its first day);
    ``today`` when absent. ValueError names what was wrong."""
    if not text:
        return today
    try:
        if len(text) == 7:
            return datetime.date.fromisoformat(text + "-01")
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or YYYY-MM)") from None


_SCHEMA_CATEGORY = "https://schema.org/category"
_CHEMISTRY = "https://ref.openepcis.io/extensions/eu/battery/hasBatteryChemistry"


def facts_of(
    expanded: list[JSONObject],
    failures: dict[int, list[str]],
    categories: dict[str, str],
    passport: str = "",
    visible: Tier = Tier.AUTHORITY,
    problems: dict[str, list[str]] | None = None,
) -> Facts:
    """The facts of an expanded JSON-LD passport (every node's predicates and literal values)."""
    values: dict[str, list[object]] = {}
    for node in _nodes(expanded):
        for key, items in node.items():
            if key.startswith("@") or not isinstance(items, list):
                continue
            bucket = values.setdefault(key, [])
            for item in items:
                if isinstance(item, dict) and "@value" in item:
                    bucket.append(item["@value"])
                elif isinstance(item, dict) and "@id" in item:
                    bucket.append(item["@id"])
                elif isinstance(item, dict) and "@list" in item:
                    bucket.extend(item["@list"])
                else:
                    bucket.append(True)  # a nested node: present
    category = next((categories[v] for v in values.get(_SCHEMA_CATEGORY, []) if v in categories), None)
    chemistry = next((str(v) for v in values.get(_CHEMISTRY, []) if isinstance(v, str)), None)
    top = passport or next((str(n["@id"]) for n in expanded if "@id" in n), "")
    return Facts(top, values, category, chemistry, failures, visible, problems or {})


def root_predicate(path: str | None) -> str:
    """The first property of a validation result's path (a sequence path is its IRIs joined by
    ``/``: ``https://ref.gs1.org/voc/manufacturer/https://ref.gs1.org/voc/address``)."""
    if not path or path.startswith("^"):
        return ""
    return path.split("/http", 1)[0]


def _nodes(expanded: Iterable[object]) -> Iterable[dict[str, object]]:
    stack = list(expanded)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if "@graph" in node:
                stack.extend(node["@graph"])
            yield node
            for key, items in node.items():
                if not key.startswith("@") and isinstance(items, list):
                    stack.extend(i for i in items if isinstance(i, dict) and "@value" not in i)
