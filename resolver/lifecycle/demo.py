"""A year of generated readings for a few example batteries, for ``serve --demo``.

Deterministic (seeded) and dated up to the day before the node's clock: daily state of
certified energy with noise, cycle counts and temperatures. One battery (the NCA pack) fades
fast, is deep-discharged twice and gets hot, so it raises warnings; the LFP pack is repurposed
into the stationary storage battery that names it as its predecessor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from resolver.errors import NotFound
from resolver.jsontypes import JSONObject
from resolver.lifecycle.compact import parse_compact
from resolver.lifecycle.readings import ReadingCheck
from resolver.lifecycle.service import LifecycleService

__all__ = ["DEMO_BATTERIES", "DemoBattery", "load_demo", "year_of_readings"]

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class DemoBattery:
    handle: str
    start_soce: float
    fade_per_year: float
    cycles_per_day: float
    seed: int
    deep_discharges: tuple[int, ...] = ()  # days of the year
    hot_days: tuple[int, ...] = ()
    repurposed_into: str = ""


DEMO_BATTERIES = (
    DemoBattery("88.100.1/BAT-EV-000001", 99.5, 3.0, 0.8, seed=1),
    DemoBattery(
        "21.11101/EV-NCA-2026-0815", 99.0, 21.0, 1.2, seed=2, deep_discharges=(140, 301), hot_days=(200, 201)
    ),
    DemoBattery(
        "01/09521234010012/21/LFP-2026-000042",
        99.8,
        2.0,
        0.9,
        seed=3,
        repurposed_into="88.100.7/SL-ESS-000042",
    ),
    DemoBattery("88.100.1/ESS-HOME-10K-004711", 99.9, 1.5, 0.6, seed=4),
)


def year_of_readings(battery: DemoBattery, end: float) -> list[JSONObject]:
    """The compact batch of one battery's year, its last day the day before ``end``."""
    rng = random.Random(battery.seed)
    first = end - 366 * DAY
    readings: list[JSONObject] = []
    for day in range(365):
        at = _iso(first + day * DAY + 6 * 3600)
        soce = battery.start_soce - battery.fade_per_year * day / 365.25 + rng.gauss(0, 0.2)
        readings.append(
            {"dataPoint": "stateOfCertifiedEnergy", "time": at, "value": round(soce, 2), "unit": "P1"}
        )
        readings.append({"dataPoint": "cycleCount", "time": at, "value": round(day * battery.cycles_per_day)})
        hot = day in battery.hot_days
        temperature = 68.0 + rng.random() if hot else 18.0 + 8.0 * rng.random()
        readings.append(
            {"dataPoint": "temperature", "time": at, "value": round(temperature, 1), "unit": "CEL"}
        )
        if day in battery.deep_discharges:
            readings.append(
                {"dataPoint": "negativeEvent", "time": at, "eventType": "DeepDischarge", "severity": "Major"}
            )
    return readings


async def load_demo(service: LifecycleService) -> int:
    """Ingest each demo battery's year once (a battery with any event is left alone); the
    number of batteries loaded."""
    check = ReadingCheck(service.clock, skew=service.settings.clock_skew_seconds)
    loaded = 0
    for battery in DEMO_BATTERIES:
        try:
            facts = await service.facts(battery.handle)
        except NotFound:
            continue  # not an example this node holds
        if await service.events.revision(battery.handle):
            continue
        events = parse_compact(year_of_readings(battery, service.clock()), check=check, epc=facts.iri or "")
        await service.ingest(battery.handle, events, facts)
        if battery.repurposed_into:
            await service.change_status(
                battery.handle, "repurposed", by="demo", successors=[battery.repurposed_into],
                note="second life as stationary storage",
            )  # fmt: skip
        loaded += 1
    return loaded


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
