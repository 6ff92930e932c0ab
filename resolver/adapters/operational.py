"""The dynamic data of an OpenEPCIS operational file (``*.operational.jsonld``, BatteryPass-Ready
``*.source.json``) as lifecycle readings, not passport data points.

An operational file is a snapshot: next to the passport's static data it carries the battery's
state at ``lastUpdated`` (state of health, state of charge, remaining capacity, cycle count...).
Those values change during use, so they belong to the node's lifecycle events (``POST
/{id}/events``, docs/health.md), each a reading of a data point at a time, and not to a new
passport version. Each top-level name that names a lifecycle data point
(``resolver.lifecycle.datapoints.data_point_named``: ``hasStateOfHealth``, ``numberOfFullCycles``,
... plus the two OpenEPCIS names in ``_NAMES`` below) becomes a compact reading (``dataPoint``,
``time``, ``value``, ``unit``), checked here as the node checks a reading (known unit, value in
range, whole counts) so that an impossible value refuses the file with its field's name. A
value in a unit the node does not record for that data point (OpenEPCIS gives the state of
certified energy in kWh, the node records it in % of the certified energy) is another measure,
not an impossible one: it is listed as not mapped, with the unit, and not converted (that would
need the certified energy, which a model passport holds).

The time is the file's ``lastUpdated`` (else ``lastDataUpdate``); a date alone is read as
midnight UTC. Without either, or in a model or batch passport (whose readings would belong to
no battery), the dynamic fields are listed as not mapped, with the reason: never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from resolver.adapters.dates import check_date
from resolver.errors import DocumentError, ResolverError
from resolver.jsontypes import JSON, JSONObject
from resolver.lifecycle.datapoints import data_point_named
from resolver.lifecycle.readings import ReadingCheck, format_time, parse_time

__all__ = ["Dynamic", "dynamic_readings"]

# OpenEPCIS operational names for data points that the lifecycle catalogue names otherwise:
# the state-of-health event's ``hasCycleCount``, and the remaining round trip efficiency
# (Annex VII part A 2, the catalogue's ``roundTripEfficiency``, EU data point 57).
_NAMES = {"hasCycleCount": "cycleCount", "hasRemainingRoundTripEfficiency": "roundTripEfficiency"}
_TIMES = ("lastUpdated", "lastDataUpdate")
# Values are checked against the catalogue's units and ranges; the clock check (a reading dated
# in the future) is the node's, when the readings are stored.
_CHECK = ReadingCheck(lambda: math.inf)


@dataclass(frozen=True, slots=True)
class Dynamic:
    """The readings, the top-level names they were read from (not passport data), and the
    names listed as not mapped with the reason."""

    readings: tuple[JSONObject, ...]
    names: frozenset[str]
    unmapped: tuple[str, ...]


def _data_point(name: str) -> str | None:
    if name in _NAMES:
        return _NAMES[name]
    found = data_point_named(name)
    return found.name if found is not None else None


def dynamic_readings(doc: Mapping[str, JSON]) -> Dynamic:
    """The dynamic data of an operational body as compact readings; DocumentError names a
    field whose value is not a possible reading."""
    points = {key: point for key in doc if (point := _data_point(key)) and doc[key] not in (None, [])}
    if not points:
        return Dynamic((), frozenset(), ())
    granularity = doc.get("granularity")
    if granularity in ("model", "batch"):
        why = f"dynamic data of a {granularity} passport: readings are per battery"
        return Dynamic((), frozenset(points), tuple(f"{key} ({why})" for key in points))
    time_key = next((key for key in _TIMES if isinstance(doc.get(key), str) and doc[key]), None)
    if time_key is None:
        why = "dynamic data without a lastUpdated time"
        return Dynamic((), frozenset(points), tuple(f"{key} ({why})" for key in points))
    when = str(doc[time_key])
    check_date(time_key, when)
    try:
        seconds = parse_time(when + "T00:00:00Z" if len(when) == 10 else when, time_key)
    except ResolverError as err:
        raise DocumentError(err.detail) from None
    readings: list[JSONObject] = []
    unmapped: list[str] = []
    for key, point in points.items():
        value, unit = _value(key, doc[key])
        units = _units(point)
        if (unit or "") not in units:  # another measure, not an impossible value: kept aside, named
            accepted = ", ".join(u or "no unit" for u in units)
            unmapped.append(f"{key} (in {unit or 'no unit'}; the node records {point} in {accepted})")
            continue
        try:
            reading = _CHECK.check(key, point, seconds, value, unit, "")
        except ResolverError as err:
            raise DocumentError(err.detail) from None
        compact: JSONObject = {"dataPoint": reading.data_point, "time": format_time(seconds),
                               "value": reading.value, "unit": reading.unit}  # fmt: skip
        if compact not in readings:  # hasCycleCount and numberOfFullCycles may say it twice
            readings.append(compact)
    return Dynamic(tuple(readings), frozenset(points), tuple(unmapped))


def _units(point: str) -> tuple[str, ...]:
    found = data_point_named(point)
    return found.units if found is not None else ()


def _value(key: str, raw: JSON) -> tuple[object, object]:
    """A reading's value and unit: a GS1 quantitative value (``value``, ``unitCode``) or a bare
    number (a count)."""
    if isinstance(raw, dict) and "value" in raw:
        return raw["value"], raw.get("unitCode")
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        return raw, None
    raise DocumentError(f"{key}: {str(raw)[:60]!r} is not a reading (a number, or a value with its unitCode)")
