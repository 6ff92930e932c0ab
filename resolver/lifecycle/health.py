"""The health rating of one battery from its series and its passport (pure; docs/health.md).

``rate(inputs, settings)`` returns the JSON the ``/health`` route answers: current state of
health, fade rates with their confidence, remaining energy, projections to 80 % and 60 %,
counts of negative events and temperature extremes, and a second-life grade.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from resolver.config.lifecycle import LifecycleSettings
from resolver.jsontypes import JSON, JSONObject
from resolver.lifecycle.datapoints import SEVERITIES
from resolver.lifecycle.facts import PassportFacts
from resolver.lifecycle.readings import Reading, format_time
from resolver.lifecycle.regression import Fit, binned, theil_sen

__all__ = ["NOT_ENOUGH_DATA", "HealthInputs", "expected_fade_per_cycle", "fade_fits", "rate"]

NOT_ENOUGH_DATA = "not enough data"
YEAR = 365.25 * 86400.0
TARGETS = (80.0, 60.0)


@dataclass(frozen=True, slots=True)
class HealthInputs:
    soh: Sequence[Reading]  # state of certified energy (or of health), oldest first
    soh_source: str
    cycles: Sequence[Reading]
    negative_events: Sequence[Reading]
    temperatures: Sequence[Reading]
    time_above: Reading | None
    time_below: Reading | None
    remaining_energy: Reading | None
    facts: PassportFacts
    now: float


def expected_fade_per_cycle(facts: PassportFacts, settings: LifecycleSettings) -> float | None:
    """Percentage points per cycle the passport's own expected lifetime implies."""
    if not facts.expected_cycles:
        return None
    floor = facts.exhaustion_soh if facts.exhaustion_soh is not None else settings.default_exhaustion_soh
    return (100.0 - floor) / facts.expected_cycles


def fade_fits(inputs: HealthInputs, settings: LifecycleSettings) -> tuple[Fit | None, Fit | None]:
    """Theil-Sen fits of state of health against time (seconds) and against cycle count."""
    soh = inputs.soh
    xs, ys = binned([r.time for r in soh], [r.value for r in soh], settings.max_fit_points)
    by_time = theil_sen(xs, ys)
    cycle_times = [r.time for r in inputs.cycles]
    cx: list[float] = []
    cy: list[float] = []
    for reading in soh:
        at = bisect.bisect_right(cycle_times, reading.time) - 1
        if at >= 0:
            cx.append(inputs.cycles[at].value)
            cy.append(reading.value)
    cx, cy = binned(cx, cy, settings.max_fit_points)
    by_cycles = theil_sen(cx, cy) if len(cx) >= settings.min_readings else None
    return by_time, by_cycles


def rate(inputs: HealthInputs, settings: LifecycleSettings) -> JSONObject:
    facts = inputs.facts
    latest = inputs.soh[-1] if inputs.soh else None
    body: JSONObject = {
        "stateOfHealth": (
            {
                "value": latest.value,
                "unit": "P1",
                "time": format_time(latest.time),
                "dataPoint": inputs.soh_source,
            }
            if latest
            else NOT_ENOUGH_DATA
        ),
        "readings": len(inputs.soh),
        "remainingEnergy": _remaining(inputs),
        "negativeEvents": _negative_counts(inputs.negative_events),
        "temperatureExtremes": _temperature_counts(inputs, settings),
    }
    span = (inputs.soh[-1].time - inputs.soh[0].time) if inputs.soh else 0.0
    enough = len(inputs.soh) >= settings.min_readings and span >= settings.min_span_days * 86400
    if enough:
        by_time, by_cycles = fade_fits(inputs, settings)
        body["fade"] = _fade(by_time, by_cycles, inputs, settings)
        body["projection"] = _projections(by_time, by_cycles, inputs)
    else:
        body["fade"] = NOT_ENOUGH_DATA
        body["projection"] = NOT_ENOUGH_DATA
        by_cycles = None
    body["grade"] = _grade(latest, by_cycles, inputs, settings)
    body["status"] = facts.status
    missing: list[JSON] = [
        name
        for name, value in (
            ("ratedCapacity", facts.rated_capacity_ah),
            ("nominalVoltage", facts.nominal_voltage_v),
            ("expectedLifetimeCycles", facts.expected_cycles),
        )
        if value is None
    ]
    if missing:
        body["passportFactsMissing"] = missing
    return body


def _fit_json(fit: Fit, scale: float) -> JSONObject:
    # Fade is the negative of the slope: a positive number is a loss.
    return {
        "rate": round(-fit.slope * scale, 4),
        "confidence95": [round(-fit.slope_high * scale, 4), round(-fit.slope_low * scale, 4)],
        "points": fit.n,  # points in the fit (medians of bins when the series is long)
    }


def _fade(
    by_time: Fit | None, by_cycles: Fit | None, inputs: HealthInputs, settings: LifecycleSettings
) -> JSONObject:
    fade: JSONObject = {"method": "Theil-Sen", "n": len(inputs.soh)}
    fade["perYear"] = _fit_json(by_time, YEAR) if by_time else NOT_ENOUGH_DATA
    fade["per100Cycles"] = _fit_json(by_cycles, 100.0) if by_cycles else NOT_ENOUGH_DATA
    expected = expected_fade_per_cycle(inputs.facts, settings)
    if expected is not None:
        fade["expectedPer100Cycles"] = round(expected * 100, 4)
        if by_cycles is not None:
            fade["anomalous"] = -by_cycles.slope > settings.fade_anomaly_factor * expected
    return fade


def _projections(by_time: Fit | None, by_cycles: Fit | None, inputs: HealthInputs) -> list[JSON]:
    current = inputs.soh[-1].value
    out: list[JSON] = []
    for target in TARGETS:
        entry: JSONObject = {"stateOfHealth": target}
        if current <= target:
            entry["reached"] = True
        else:
            entry["reached"] = False
            at = by_time.x_at(target) if by_time and by_time.slope < 0 else None
            entry["date"] = format_time(at) if at is not None else None
            cycles = by_cycles.x_at(target) if by_cycles and by_cycles.slope < 0 else None
            entry["cycles"] = round(cycles) if cycles is not None else None
            if cycles is not None and inputs.cycles:
                entry["cyclesRemaining"] = max(round(cycles - inputs.cycles[-1].value), 0)
        out.append(entry)
    return out


def _remaining(inputs: HealthInputs) -> JSON:
    if inputs.remaining_energy is not None:
        r = inputs.remaining_energy
        return {"value": r.value, "unit": "KWH", "time": format_time(r.time), "source": "reading"}
    rated = inputs.facts.rated_energy_kwh
    if rated is None or not inputs.soh:
        return NOT_ENOUGH_DATA
    value = round(rated * inputs.soh[-1].value / 100.0, 2)
    return {"value": value, "unit": "KWH", "source": "ratedCapacity x nominalVoltage x stateOfHealth"}


def _negative_counts(events: Sequence[Reading]) -> JSONObject:
    by_type = Counter(event.label for event in events)
    by_severity = Counter(SEVERITIES[int(event.value) - 1] for event in events)
    return {"total": len(events), "byType": dict(by_type), "bySeverity": dict(by_severity)}


def temperature_limits(facts: PassportFacts, settings: LifecycleSettings) -> tuple[float, float, str]:
    if facts.idle_min_c is not None and facts.idle_max_c is not None:
        return facts.idle_min_c, facts.idle_max_c, "passport idleTemperatureRange (dp 34)"
    return settings.default_min_temperature, settings.default_max_temperature, "node defaults"


def _temperature_counts(inputs: HealthInputs, settings: LifecycleSettings) -> JSONObject:
    low, high, source = temperature_limits(inputs.facts, settings)
    counts: JSONObject = {
        "below": sum(1 for r in inputs.temperatures if r.value < low),
        "above": sum(1 for r in inputs.temperatures if r.value > high),
        "limits": {"min": low, "max": high, "source": source},
    }
    if inputs.time_above is not None:
        counts["hoursAboveBoundary"] = inputs.time_above.value
    if inputs.time_below is not None:
        counts["hoursBelowBoundary"] = inputs.time_below.value
    return counts


def _grade(
    latest: Reading | None, by_cycles: Fit | None, inputs: HealthInputs, settings: LifecycleSettings
) -> JSONObject:
    if latest is None:
        return {"grade": NOT_ENOUGH_DATA, "reasons": ["no state-of-health reading"]}
    soh = latest.value
    worst = max((int(e.value) for e in inputs.negative_events), default=0)
    reasons: list[JSON] = []
    if inputs.facts.status == "waste":
        return {"grade": "not suitable", "reasons": ["status is waste"]}
    if worst >= SEVERITIES.index("Critical") + 1:
        return {"grade": "not suitable", "reasons": ["a critical negative event"]}
    if soh < settings.second_life_floor_soh:
        return {
            "grade": "not suitable",
            "reasons": [f"state of health below {settings.second_life_floor_soh:g} %"],
        }
    expected = expected_fade_per_cycle(inputs.facts, settings)
    anomalous = (
        by_cycles is not None
        and expected is not None
        and -by_cycles.slope > settings.fade_anomaly_factor * expected
    )
    if soh >= settings.gtr22_soce_5_years and worst < SEVERITIES.index("Major") + 1 and not anomalous:
        grade = "A"
    elif soh >= settings.gtr22_soce_8_years:
        grade = "B"
        if soh >= settings.gtr22_soce_5_years:
            reasons.append("a major negative event" if worst >= 3 else "fade faster than expected")
    else:
        grade = "C"
    reasons.append(f"state of health {soh:g} %")
    return {"grade": grade, "reasons": reasons}


def grade_of(rating: JSONObject) -> str:
    """The second-life grade of a rating ``rate`` made (``A``, ``B``, ``C``, ``not suitable``, or
    ``not enough data``): what a page or a lineage entry shows."""
    grade = rating.get("grade")
    found = grade.get("grade") if isinstance(grade, dict) else None
    return found if isinstance(found, str) else NOT_ENOUGH_DATA
