"""What the health rating and the warning rules need from the passport itself (static data).

Read from the passport's compact JSON-LD view (our context's terms); a fact the view does not
hold is None, and the rating says which ones it missed.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

__all__ = ["PassportFacts", "facts_of"]


@dataclass(frozen=True, slots=True)
class PassportFacts:
    rated_capacity_ah: float | None = None  # dp 11/25
    nominal_voltage_v: float | None = None  # dp 27
    expected_cycles: float | None = None  # dp 31 (expected lifetime in cycles)
    exhaustion_soh: float | None = None  # dp 33 (capacity threshold for exhaustion, %)
    idle_min_c: float | None = None  # dp 34
    idle_max_c: float | None = None
    status: str | None = None  # dp 67
    iri: str | None = None
    predecessors: tuple[str, ...] = ()  # dp 67: the passports of the battery's earlier life

    @property
    def rated_energy_kwh(self) -> float | None:
        if self.rated_capacity_ah is None or self.nominal_voltage_v is None:
            return None
        return self.rated_capacity_ah * self.nominal_voltage_v / 1000.0


def facts_of(body: bytes) -> PassportFacts:
    """Facts from a view's JSON-LD bytes (a document, or a ``@graph`` whose first node is it)."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return PassportFacts()
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list) and doc["@graph"]:
        doc = doc["@graph"][0]
    if not isinstance(doc, dict):
        return PassportFacts()
    idle = doc.get("idleTemperatureRange")
    idle = idle if isinstance(idle, dict) else {}
    status = doc.get("status")
    return PassportFacts(
        rated_capacity_ah=_quantity(doc.get("ratedCapacity")),
        nominal_voltage_v=_quantity(doc.get("nominalVoltage")),
        expected_cycles=_number(doc.get("expectedLifetimeCycles")),
        exhaustion_soh=_number(doc.get("capacityThresholdForExhaustion")),
        idle_min_c=_quantity(idle.get("minimumTemperature")),
        idle_max_c=_quantity(idle.get("maximumTemperature")),
        status=_status(status),
        iri=doc.get("id") if isinstance(doc.get("id"), str) else None,
        predecessors=_ids(doc.get("predecessor")),
    )


def _ids(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id") or item.get("@id")
        if isinstance(item, str):
            out.append(item)
    return tuple(out)


def _quantity(value: object) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    return _number(value)


def _number(value: object) -> float | None:
    if isinstance(value, dict):
        value = value.get("@value")
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _status(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("id")
    if not isinstance(value, str):
        return None
    return value.rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]
