"""Warning rules, evaluated on the readings a passport just received (pure functions).

Each rule gives warnings whose ``id`` says what they are about, so the same condition raises
one warning however often it is seen again:

- ``soh-below``: state of health under ``warn_soh_below`` (warning) or under the second-life
  floor (critical); one per passport and level.
- ``fade-anomaly``: fade per cycle over ``fade_anomaly_factor`` x what the passport's expected
  lifetime implies; one per passport.
- ``negative-event``: each negative event (critical when Major or Critical).
- ``temperature``: a reading outside the limits; one per passport, side and UTC day.
- ``no-data``: no reading for ``silence_days``; one per silent spell (see ``silence``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from resolver.config.lifecycle import LifecycleSettings
from resolver.lifecycle.datapoints import NEGATIVE_EVENT, SEVERITIES
from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.facts import PassportFacts
from resolver.lifecycle.health import HealthInputs, expected_fade_per_cycle, fade_fits, temperature_limits
from resolver.lifecycle.readings import Reading, format_time

__all__ = ["RULES", "SOH_POINTS", "evaluate", "fade_anomaly", "silence"]

RULES = ("soh-below", "fade-anomaly", "negative-event", "temperature", "no-data")
SOH_POINTS = ("stateOfCertifiedEnergy", "stateOfHealth")


def _id(handle: str, *parts: str) -> str:
    return "w-" + hashlib.sha256("\x1f".join((handle, *parts)).encode()).hexdigest()[:20]


def evaluate(
    handle: str, readings: Sequence[Reading], facts: PassportFacts, settings: LifecycleSettings, now: float
) -> list[Warning]:
    """Warnings the new ``readings`` raise by themselves (the fade rule needs the series: see
    ``fade_anomaly``)."""
    out: list[Warning] = []
    low, high, source = temperature_limits(facts, settings)
    for r in readings:
        if r.data_point in SOH_POINTS and r.value < settings.warn_soh_below:
            critical = r.value < settings.second_life_floor_soh
            level = settings.second_life_floor_soh if critical else settings.warn_soh_below
            out.append(
                Warning(
                    _id(handle, "soh-below", f"{level:g}"), handle, "soh-below",
                    "critical" if critical else "warning", r.time, now,
                    f"{r.data_point} {r.value:g} % is below {level:g} %", r.data_point, r.value, r.event_id,
                )
            )  # fmt: skip
        elif r.data_point == NEGATIVE_EVENT:
            severity = SEVERITIES[int(r.value) - 1]
            out.append(
                Warning(
                    _id(handle, "negative-event", r.event_id), handle, "negative-event",
                    "critical" if r.value >= 3 else "warning", r.time, now,
                    f"negative event {r.label} ({severity})", r.data_point, r.value, r.event_id,
                )
            )  # fmt: skip
        elif r.data_point == "temperature" and not low <= r.value <= high:
            side = "below" if r.value < low else "above"
            day = format_time(r.time)[:10]
            out.append(
                Warning(
                    _id(handle, "temperature", side, day), handle, "temperature", "warning", r.time, now,
                    f"temperature {r.value:g} °C is {side} the limits {low:g}..{high:g} °C ({source})",
                    r.data_point, r.value, r.event_id,
                )
            )  # fmt: skip
    return out


def fade_anomaly(
    handle: str, inputs: HealthInputs, settings: LifecycleSettings, now: float
) -> Warning | None:
    """A warning when the fade per cycle is anomalous against the passport's expected lifetime."""
    expected = expected_fade_per_cycle(inputs.facts, settings)
    if expected is None or len(inputs.soh) < settings.min_readings:
        return None
    _, by_cycles = fade_fits(inputs, settings)
    if by_cycles is None or -by_cycles.slope <= settings.fade_anomaly_factor * expected:
        return None
    observed = -by_cycles.slope * 100
    latest = inputs.soh[-1]
    return Warning(
        _id(handle, "fade-anomaly"), handle, "fade-anomaly", "warning", latest.time, now,
        f"fade {observed:.3g} points per 100 cycles is over {settings.fade_anomaly_factor:g} x the "
        f"{expected * 100:.3g} the expected lifetime implies",
        latest.data_point, round(observed, 4), latest.event_id,
    )  # fmt: skip


def silence(handle: str, last: float, settings: LifecycleSettings, now: float) -> Warning | None:
    """A warning when the passport's latest reading is older than ``silence_days``."""
    if now - last < settings.silence_days * 86400:
        return None
    return Warning(
        _id(handle, "no-data", repr(last)), handle, "no-data", "warning", now, now,
        f"no reading since {format_time(last)} ({settings.silence_days:g} days or more)",
    )  # fmt: skip
