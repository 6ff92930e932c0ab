"""The EU market's lines: one per data point of the guidance, then the Article 8 minimums."""

from __future__ import annotations

import datetime

from resolver.readiness.eu import (
    MINIMUMS,
    PASSPORT_FROM,
    PASSPORT_SOURCE,
    DataPoint,
    RecycledMinimum,
    data_points,
)
from resolver.readiness.eu import properties_by_point as _properties
from resolver.readiness.report import Facts, Line

__all__ = ["eu_lines"]

_LATER_BY_ACT = "set by an act not yet adopted"
# Which Article 8 elements a chemistry holds in its active materials (by the concept's name).
_ELEMENTS = {
    "LiIonNMC": {"cobalt", "nickel", "lithium"},
    "NMC": {"cobalt", "nickel", "lithium"},
    "LiIonNCA": {"cobalt", "nickel", "lithium"},
    "LiIonLCO": {"cobalt", "lithium"},
    "LiIonLFP": {"lithium"},
    "LiIonLMO": {"lithium"},
    "LiMetal": {"lithium"},
    "Pb": {"lead"},
    "NiMH": {"nickel"},
    "NiCd": {"nickel"},
    "NaIon": set(),
}


def eu_lines(facts: Facts, on: datetime.date) -> list[Line]:
    lines = [_point_line(point, facts, on) for point in data_points()]
    lines += [_minimum_line(minimum, facts, on) for minimum in MINIMUMS]
    return lines


def _status_for(point: DataPoint, category: str | None) -> tuple[str, str]:
    if category is not None:
        return point.applicability.get(category, ("optional", "not listed for this category"))
    # Category unknown: the strictest status any category gives.
    order = ("mandatory", "pending", "conditional", "optional", "notToBeFilled")
    statuses = sorted(point.applicability.values(), key=lambda s: order.index(s[0]))
    return statuses[0] if statuses else ("optional", "")


def _present(point: DataPoint, facts: Facts) -> bool:
    properties = _properties().get(point.number, frozenset())
    # Properties that implement this point alone are the telling ones (hasRecycledContent
    # holds points 20-23: its presence says nothing about cobalt).
    own = [p for p in properties if _only(p, point.number)] or list(properties)
    return any(facts.has(p) for p in own)


def _only(predicate: str, number: int) -> bool:
    points = [n for n, props in _properties().items() if predicate in props]
    return points == [number]


def _point_line(point: DataPoint, facts: Facts, on: datetime.date) -> Line:
    status, note = _status_for(point, facts.category)
    base = {
        "key": f"dp{point.number}",
        "label": point.label,
        "source": point.source,
        "tier": point.tier.label,
    }
    if _present(point, facts):
        failures = facts.failures.get(point.number)
        if failures:
            return Line(**base, status="failing", reason="; ".join(failures[:3]))
        return Line(**base, status="valid")
    if facts.hidden(point.tier):
        return Line(**base, status="hidden", reason=f"not in the {facts.visible.label} view read")
    if status == "mandatory":
        if on < PASSPORT_FROM:
            return Line(**base, status="later", due=PASSPORT_FROM.isoformat(), reason=f"{PASSPORT_SOURCE}")
        return Line(**base, status="missing", reason="mandatory for this category")
    if status == "pending":
        return Line(**base, status="later", due=_LATER_BY_ACT, reason=note)
    if status == "notToBeFilled":
        return Line(**base, status="not-applicable", reason=note)
    return Line(**base, status=status, reason=note)


def _minimum_line(minimum: RecycledMinimum, facts: Facts, on: datetime.date) -> Line:
    key = f"art8-{minimum.element}-{minimum.date.year}"
    label = f"Recycled {minimum.element} share at least {minimum.percent:g} %"
    base = {"key": key, "label": label, "source": minimum.source, "tier": "public"}
    declared = facts.number(minimum.term)
    contains = _contains(minimum.element, facts)
    if contains is False:
        return Line(**base, status="not-applicable", reason=f"the chemistry holds no {minimum.element}")
    shown = f"declared {declared:g} %" if declared is not None else "no share declared"
    if on < minimum.date:
        below = declared is not None and declared < minimum.percent
        reason = shown + (" (below the minimum: it would fail)" if below else "")
        return Line(**base, status="later", due=minimum.date.isoformat(), reason=reason)
    if declared is None:
        if contains is None:
            return Line(
                **base, status="conditional", reason=f"applies if active materials hold {minimum.element}"
            )
        return Line(
            **base, status="missing", reason=f"the battery holds {minimum.element}; no share declared"
        )
    if declared < minimum.percent:
        return Line(**base, status="failing", reason=f"{shown}, below {minimum.percent:g} %")
    return Line(**base, status="valid", reason=shown)


def _contains(element: str, facts: Facts) -> bool | None:
    if facts.chemistry is None:
        return None
    name = facts.chemistry.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    if name.startswith("NMC"):
        name = "NMC"
    elements = _ELEMENTS.get(name)
    return None if elements is None else element in elements
