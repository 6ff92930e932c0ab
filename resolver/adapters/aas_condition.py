"""The Digital Battery Passport Part 5, Product Condition submodel (IDTA-02035-5 1.0.2): its
dynamic data as lifecycle readings, not passport data, and the latest readings written back as
the submodel.

Element idShorts and semanticIds are those of the published template (admin-shell-io/
submodel-templates, ``published/Digital Battery Passport/5_Product Condition/1/0/2``, CC BY 4.0;
submodel ``ProductCondition``, semanticId
``urn:samm:io.admin-shell.idta.batterypass.product_condition:1.0.2#ProductCondition``). Each data
point is a collection holding its value and the ``LastUpdate`` time it was measured at; the units
are the template's. The values change during the battery's use, so, as an OpenEPCIS operational
file's (operational.py), they become readings of the node's lifecycle data points (``POST
/{id}/events``; ``import`` stores them beside the passport), each checked as the node checks a
reading (known unit, value in range, whole counts), so that an impossible value refuses the
input with its element's path:

- ``StateOfCertifiedEnergy`` (%), ``StateOfCharge`` (%), ``RemainingRoundTripEnergyEfficiency``
  (%) -> ``stateOfCertifiedEnergy``, ``stateOfCharge``, ``roundTripEfficiency`` (P1);
- ``RemainingCapacity`` (Ah) -> ``remainingCapacity`` (AMH); ``RemainingEnergy``,
  ``EnergyThroughput`` (kWh) -> ``remainingEnergy``, ``energyThroughput`` (KWH);
- ``NumberOfFullCycles`` -> ``cycleCount``;
- ``TemperatureInformation``: ``MeasuredTemp`` (degC) -> ``temperature`` (CEL),
  ``TimeExtremeHighTemp``, ``TimeExtremeLowTemp`` (minutes) -> ``timeAboveTemperatureBoundary``,
  ``timeBelowTemperatureBoundary`` (hours: the minutes / 60).

Listed as not mapped (no lifecycle data point holds them): ``CapacityThroughput`` (Ah),
``TimeExtremeHighTempCharging``, ``TimeExtremeLowTempCharging``, ``EvolutionOfSelfDischarge``,
``CurrentSelfDischargingRate``, ``RemainingPowerCapability`` (a power capability in % at a state
of charge; ours is in kW), ``NegativeEvents`` (a free text; ours are typed with a severity) and
``InformationOnAccidents`` (document identifiers). A data point without its ``LastUpdate`` is
listed too: a reading needs its time. The template's times carry no zone (its example,
``2000-01-01T14:23:00``); such a time is read as UTC, one with an offset as it says.

Out (``write``): the latest reading of each of those data points, in the template's unit, with
its time as ``LastUpdate``; ``TemperatureInformation`` has one ``LastUpdate`` for its three
values, the latest of their times.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from resolver.adapters.aas_elements import children, finite, given
from resolver.errors import DocumentError, ResolverError
from resolver.jsontypes import JSONObject
from resolver.lifecycle.readings import ReadingCheck, format_time, parse_time

__all__ = ["SEMANTIC_ID", "Condition", "is_product_condition", "read", "write"]

_P = "urn:samm:io.admin-shell.idta.batterypass.product_condition:1.0.2#"
SEMANTIC_ID = _P + "ProductCondition"
# collection -> (its value's idShort, the data point, the unit code, factor from the template's unit)
_POINTS: dict[str, tuple[str, str, str | None, float]] = {
    "StateOfCertifiedEnergy": ("StateOfCertifiedEnergyValue", "stateOfCertifiedEnergy", "P1", 1),
    "StateOfCharge": ("StateOfChargeValue", "stateOfCharge", "P1", 1),
    "RemainingRoundTripEnergyEfficiency": (
        "RemainingRoundTripEnergyEfficiencyValue", "roundTripEfficiency", "P1", 1),
    "RemainingCapacity": ("RemainingCapacityValue", "remainingCapacity", "AMH", 1),
    "RemainingEnergy": ("RemainingEnergyValue", "remainingEnergy", "KWH", 1),
    "EnergyThroughput": ("EnergyThroughputValue", "energyThroughput", "KWH", 1),
    "NumberOfFullCycles": ("NumberOfFullCyclesValue", "cycleCount", None, 1),
}  # fmt: skip
_TEMPERATURE = {  # TemperatureInformation's values
    "MeasuredTemp": ("temperature", "CEL", 1),
    "TimeExtremeHighTemp": ("timeAboveTemperatureBoundary", "HUR", 1 / 60),
    "TimeExtremeLowTemp": ("timeBelowTemperatureBoundary", "HUR", 1 / 60),
}
_BY_POINT = {point: (short, value, unit, factor) for short, (value, point, unit, factor) in _POINTS.items()}
_BY_POINT |= {point: ("TemperatureInformation", value, unit, factor)
              for value, (point, unit, factor) in _TEMPERATURE.items()}  # fmt: skip
# Values are checked against the catalogue's units and ranges; the clock check (a reading dated
# in the future) is the node's, when the readings are stored.
_CHECK = ReadingCheck(lambda: math.inf)


@dataclass(frozen=True, slots=True)
class Condition:
    readings: tuple[JSONObject, ...]  # compact readings (dataPoint, time, value, unit)
    unmapped: tuple[str, ...]


def is_product_condition(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 5 product condition (by semanticId, else idShort)."""
    semantic = str(submodel.get("semanticId", ""))
    return "batterypass.product_condition" in semantic or submodel.get("idShort") == "ProductCondition"


def _text(element: Mapping[str, object]) -> str | None:
    value = element.get("value")
    return value if isinstance(value, str) and value else None


def read(submodel: Mapping[str, object], name: str) -> Condition:
    """The readings in the Part 5 submodel, and the idShort paths not mapped; DocumentError for
    a value that is no possible reading, or a time that is none."""
    readings: list[JSONObject] = []
    left: list[str] = []
    for element in children(submodel):
        short = str(element.get("idShort", "?"))
        path = f"{name}.{short}"
        if not given(element):
            continue
        fields = {str(child.get("idShort", "?")): child for child in children(element)}
        wanted = _wanted(short)
        if not wanted:
            left.append(path)
            continue
        if "LastUpdate" not in fields or _text(fields["LastUpdate"]) is None:
            left.append(f"{path} (no LastUpdate: a reading needs its time)")
            continue
        seconds = _time(str(_text(fields["LastUpdate"])), f"{path}.LastUpdate")
        for value_short, child in fields.items():
            if value_short == "LastUpdate" or not given(child):
                continue
            if value_short not in wanted:
                left.append(f"{path}.{value_short}")
                continue
            point, unit, factor = wanted[value_short]
            readings.append(_reading(f"{path}.{value_short}", point, unit, factor, seconds, child))
    return Condition(tuple(readings), tuple(left))


def _wanted(short: str) -> dict[str, tuple[str, str | None, float]]:
    """The values read in the collection ``short``: idShort -> (data point, unit, factor)."""
    if short == "TemperatureInformation":
        return dict(_TEMPERATURE)
    if short in _POINTS:
        value, point, unit, factor = _POINTS[short]
        return {value: (point, unit, factor)}
    return {}


def _time(text: str, path: str) -> float:
    zoned = text if text.endswith("Z") or _has_offset(text) else text + "Z"
    try:
        return parse_time(zoned, path)
    except ResolverError as err:
        raise DocumentError(f"{path}: {text[:40]!r} is not a date-time") from err


def _has_offset(text: str) -> bool:
    clock = text.partition("T")[2]
    return "+" in clock or "-" in clock


def _reading(
    path: str, point: str, unit: str | None, factor: float, seconds: float, element: Mapping[str, object]
) -> JSONObject:
    number = finite(element.get("value"), path) * factor
    try:
        reading = _CHECK.check(path, point, seconds, number, unit, "")
    except ResolverError as err:
        raise DocumentError(err.detail) from None
    return {"dataPoint": reading.data_point, "time": format_time(seconds), "value": reading.value,
            "unit": reading.unit}  # fmt: skip


def write(readings: Iterable[Mapping[str, object]], identifier: str) -> dict[str, object] | None:
    """The Part 5 submodel for the latest reading of each data point it holds (None: none);
    readings of other data points are not its."""
    latest: dict[str, tuple[float, float]] = {}
    for reading in readings:
        point, value, when = reading.get("dataPoint"), reading.get("value"), reading.get("time")
        if point not in _BY_POINT or not isinstance(value, int | float) or not isinstance(when, str):
            continue
        seconds = parse_time(when, "time")
        if point not in latest or latest[point][0] <= seconds:
            latest[str(point)] = (seconds, float(value))
    groups: dict[str, list[dict[str, object]]] = {}
    times: dict[str, float] = {}
    for short, (value_short, point, _, factor) in _POINTS.items():
        if point in latest:
            groups[short] = [_value(value_short, latest[point][1] / factor, point == "cycleCount")]
            times[short] = latest[point][0]
    for value_short, (point, _, factor) in _TEMPERATURE.items():
        if point in latest:
            groups.setdefault("TemperatureInformation", []).append(
                _value(value_short, latest[point][1] / factor)
            )
            times["TemperatureInformation"] = max(times.get("TemperatureInformation", 0.0), latest[point][0])
    if not groups:
        return None
    elements = [_collection(short, [*values, _last_update(times[short])]) for short, values in groups.items()]
    return {"modelType": "Submodel", "id": identifier + "#ProductCondition", "idShort": "ProductCondition",
            "kind": "Instance", "semanticId": _reference(SEMANTIC_ID),
            "submodelElements": elements}  # fmt: skip


def _value(short: str, number: float, whole: bool = False) -> dict[str, object]:
    number = round(number, 9)
    text = str(int(number)) if whole or number.is_integer() else repr(number)
    value_type = "xs:unsignedInt" if whole else "xs:float"
    semantic = _reference(_P + short[0].lower() + short[1:])
    return {"modelType": "Property", "idShort": short, "semanticId": semantic, "valueType": value_type,
            "value": text}  # fmt: skip


def _last_update(seconds: float) -> dict[str, object]:
    return {"modelType": "Property", "idShort": "LastUpdate", "semanticId": _reference(_P + "lastUpdate"),
            "valueType": "xs:dateTime", "value": format_time(seconds)}  # fmt: skip


def _collection(short: str, value: list[dict[str, object]]) -> dict[str, object]:
    return {"modelType": "SubmodelElementCollection", "idShort": short,
            "semanticId": _reference(_P + short[0].lower() + short[1:]), "value": value}  # fmt: skip


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}
