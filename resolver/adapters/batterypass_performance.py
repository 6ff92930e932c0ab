"""The Battery Pass PerformanceAndDurability aspect (``urn:samm:io.BatteryPass.Performance:1.2.0``
and ``1.2.1#PerformanceAndDurability``) in and out of our performance and durability terms.

The aspect holds ``batteryTechicalProperties`` (spelt so in the model) and ``batteryCondition``.
Figures carry the model's units, which ours name by their UN/CEFACT code: kW (``KWT``), Ah
(``AMH``), V (``VLT``), ohm (``OHM``), degrees Celsius (``CEL``), percent (``P1``); a figure
that is a plain number of ours (a count, a year, an efficiency in percent) is taken as it is.

Technical properties, each <-> our term: ``ratedMaximumPower`` -> ``maximumPermittedPower``;
``ratedCapacity``; ``nominalVoltage``, ``minimumVoltage``, ``maximumVoltage``;
``expectedNumberOfCycles`` -> ``expectedLifetimeCycles`` and ``expectedLifetime`` (years) ->
``expectedLifetimeYears`` (whole numbers); ``roundtripEfficiency`` ->
``initialRoundTripEfficiency``; ``roundTripEfficiencyat50PerCentCycleLife`` ->
``roundTripEfficiencyAt50PercentCycleLife``; ``roundTripEfficiencyFade``; ``powerFade``;
``capacityThresholdForExhaustion``; ``lifetimeReferenceTest``; ``cRateLifeCycleTest`` ->
``cycleLifeTestCRate``; the pack's entry of ``initialInternalResistance`` (``ohmicResistance``
where ``batteryComponent`` is ``pack``) -> ``initialInternalResistance``;
``temperatureRangeIdleState`` (1.2.1: ``minimum``, ``maximum``) -> ``idleTemperatureRange``.
The three fields 1.2.0 keeps under the condition (the 50 % cycle-life efficiency, the two
fades) are read from either part, and written where 1.2.1 puts them.

Condition, each entity's value <-> our term: ``numberOfFullCycles`` -> ``cycleCount`` (whole);
``stateOfCertifiedEnergy``; ``capacityFade``; ``currentSelfDischargingRate`` ->
``selfDischargeRate``; ``remainingRoundTripEnergyEfficiency`` -> ``remainingRoundTripEfficiency``;
``stateOfCharge``; the pack's ``internalResistanceIncrease``; ``temperatureInformation``'s
``timeExtremeHighTemp`` / ``timeExtremeLowTemp`` (minutes) -> ``timeAboveTemperatureBoundary`` /
``timeBelowTemperatureBoundary`` (ours are whole minutes: a fraction is listed, not rounded).

No term of ours, listed as not mapped: the original and remaining power capability per state of
charge (ours are one figure each, with no state of charge), ``powerCapabilityRatio``,
``ratedEnergy``, ``cRate``, ``initialSelfDischarge``, ``energyThroughput``,
``capacityThroughput``, ``remainingEnergy``, ``remainingCapacity`` (in kWh in the model; ours is
in Ah), ``negativeEvents`` (texts; ours are typed events), ``evolutionOfSelfDischarge``, the
charging times at extreme temperatures, every ``lastUpdate``, a module's or a cell's
resistance, and 1.2.0's ``temperatureRangeIdleState`` (one figure for a range). A component
outside pack, module and cell, or a second pack entry, is refused with its path. Out, the
``lastUpdate`` the model asks beside each condition value is not written (the passport keeps no
time per figure), and our terms in other units, or with no field here, are named.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading, enumerated, quantity, quantity_value
from resolver.errors import DocumentError

__all__ = ["ASPECT"]

KEY = "performance"
ALIASES = ("performanceAndDurability",)
MARKERS = ("batteryTechicalProperties", "batteryCondition")
_TECHNICAL, _CONDITION = "batteryTechicalProperties", "batteryCondition"
# field -> (our term, our unit or None for a plain number, whole number)
_PLAIN: dict[str, tuple[str, str | None, bool]] = {
    "ratedMaximumPower": ("maximumPermittedPower", "KWT", False),
    "ratedCapacity": ("ratedCapacity", "AMH", False),
    "nominalVoltage": ("nominalVoltage", "VLT", False),
    "minimumVoltage": ("minimumVoltage", "VLT", False),
    "maximumVoltage": ("maximumVoltage", "VLT", False),
    "expectedNumberOfCycles": ("expectedLifetimeCycles", None, True),
    "expectedLifetime": ("expectedLifetimeYears", None, True),
    "roundtripEfficiency": ("initialRoundTripEfficiency", None, False),
    "capacityThresholdForExhaustion": ("capacityThresholdForExhaustion", None, False),
    "cRateLifeCycleTest": ("cycleLifeTestCRate", None, False),
    "roundTripEfficiencyat50PerCentCycleLife": ("roundTripEfficiencyAt50PercentCycleLife", None, False),
    "roundTripEfficiencyFade": ("roundTripEfficiencyFade", "P1", False),
    "powerFade": ("powerFade", "P1", False),
}
_MOVED = (
    "roundTripEfficiencyat50PerCentCycleLife",
    "roundTripEfficiencyFade",
    "powerFade",
)  # 1.2.0: condition
# condition entity -> (its value field(s), our term, our unit or None, whole number)
_ENTITIES: dict[str, tuple[tuple[str, ...], str, str | None, bool]] = {
    "numberOfFullCycles": (("numberOfFullCyclesValue",), "cycleCount", None, True),
    "stateOfCertifiedEnergy": (("stateOfCertifiedEnergyValue",), "stateOfCertifiedEnergy", "P1", False),
    "capacityFade": (("capacityFadeValue",), "capacityFade", "P1", False),
    "currentSelfDischargingRate": (
        ("currentSelfDischargingRateValue", "currentSelfDischargingRateEntity"),  # 1.2.1, 1.2.0
        "selfDischargeRate",
        "P1",
        False,
    ),
    "remainingRoundTripEnergyEfficiency": (
        ("remainingRoundTripEnergyEfficiencyValue",),
        "remainingRoundTripEfficiency",
        "P1",
        False,
    ),
    "stateOfCharge": (("stateOfChargeValue",), "stateOfCharge", "P1", False),
}
_TIMES = (
    ("timeExtremeHighTemp", "timeAboveTemperatureBoundary"),
    ("timeExtremeLowTemp", "timeBelowTemperatureBoundary"),
)
_COMPONENTS = {"pack": "pack", "module": "module", "cell": "cell"}
_RANGE = (("minimum", "minimumTemperature"), ("maximum", "maximumTemperature"))


def _figure(value: float, unit: str | None) -> object:
    return value if unit is None else quantity(value, unit)


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    terms: dict[str, object] = {}
    technical = reading.section(aspect, _TECHNICAL)
    condition = reading.section(aspect, _CONDITION)
    for field, (term, unit, whole) in _PLAIN.items():
        node, inside = (
            (condition, _CONDITION) if field in _MOVED and field in condition else (technical, _TECHNICAL)
        )
        value = reading.number(node, field, inside, whole=whole)
        if value is not None:
            terms[term] = _figure(value, unit)
    test = reading.text(technical, "lifetimeReferenceTest", _TECHNICAL)
    if test is not None:
        terms["lifetimeReferenceTest"] = test
    _idle_range(technical, reading, terms)
    _pack(
        technical,
        "initialInternalResistance",
        "ohmicResistance",
        reading,
        terms,
        ("initialInternalResistance", "OHM"),
    )
    for entity, (fields, term, unit, whole) in _ENTITIES.items():
        inside = f"{_CONDITION}.{entity}"
        node = reading.section(condition, entity, _CONDITION)
        for field in fields:
            value = reading.number(node, field, inside, whole=whole)
            if value is not None:
                terms[term] = _figure(value, unit)
    _pack(
        condition,
        "internalResistanceIncrease",
        "internalResistanceIncreaseValue",
        reading,
        terms,
        ("internalResistanceIncrease", "P1"),
    )
    temperatures = reading.section(condition, "temperatureInformation", _CONDITION)
    for field, term in _TIMES:
        inside = f"{_CONDITION}.temperatureInformation"
        if field in temperatures:
            minutes = Reading(reading.prefix).number(temperatures, field, inside)
            if minutes is not None and float(minutes).is_integer():
                reading.take(inside, field)
                terms[term] = int(minutes)
    return terms


def _idle_range(technical: dict[str, object], reading: Reading, terms: dict[str, object]) -> None:
    found = technical.get("temperatureRangeIdleState")
    if not isinstance(found, dict):
        return  # 1.2.0 gives one figure for the range: listed as not mapped
    inside = f"{_TECHNICAL}.temperatureRangeIdleState"
    bounds = {ours: quantity(reading.number(found, theirs, inside), "CEL") for theirs, ours in _RANGE}
    if any(bounds.values()):
        terms["idleTemperatureRange"] = {key: value for key, value in bounds.items() if value}


def _pack(
    node: dict[str, object],
    field: str,
    figure: str,
    reading: Reading,
    terms: dict[str, object],
    ours: tuple[str, str],
) -> None:
    """The pack's entry of a list per component (``batteryComponent``): the others are listed."""
    parent = _TECHNICAL if field == "initialInternalResistance" else _CONDITION
    for index, entry in enumerate(reading.objects(node, field, parent)):
        inside = f"{parent}.{field}[{index}]"
        component = enumerated(reading, entry, "batteryComponent", inside, _COMPONENTS)
        if component != "pack":
            reading.left += [reading.where(inside, key) for key in entry]
            continue
        if ours[0] in terms:
            raise DocumentError(f"{reading.where(inside, 'batteryComponent')}: 'pack' is given twice")
        value = reading.number(entry, figure, inside)
        if value is not None:
            terms[ours[0]] = quantity(value, ours[1])


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    technical: dict[str, object] = {}
    condition: dict[str, object] = {}
    taken: set[str] = set()
    for field, (term, unit, _) in _PLAIN.items():
        value = _written(passport, term, unit)
        if value is not None:
            technical[field] = value
            taken.add(term)
    if isinstance(passport.get("lifetimeReferenceTest"), str):
        technical["lifetimeReferenceTest"] = passport["lifetimeReferenceTest"]
        taken.add("lifetimeReferenceTest")
    idle = passport.get("idleTemperatureRange")
    if isinstance(idle, dict):
        bounds = {theirs: quantity_value(idle, ours, "CEL") for theirs, ours in _RANGE}
        if all(value is not None for value in bounds.values()) and len(idle) == len(_RANGE):
            technical["temperatureRangeIdleState"] = bounds
            taken.add("idleTemperatureRange")
    resistance = quantity_value(passport, "initialInternalResistance", "OHM")
    if resistance is not None:
        technical["initialInternalResistance"] = [{"ohmicResistance": resistance, "batteryComponent": "pack"}]
        taken.add("initialInternalResistance")
    _write_condition(passport, condition, taken)
    out: dict[str, object] = {
        key: value for key, value in ((_TECHNICAL, technical), (_CONDITION, condition)) if value
    }
    return out, taken


def _write_condition(passport: Mapping[str, object], condition: dict[str, object], taken: set[str]) -> None:
    for entity, (fields, term, unit, _) in _ENTITIES.items():
        value = _written(passport, term, unit)
        if value is not None:
            condition[entity] = {fields[0]: value}
            taken.add(term)
    increase = quantity_value(passport, "internalResistanceIncrease", "P1")
    if increase is not None:
        condition["internalResistanceIncrease"] = [
            {"internalResistanceIncreaseValue": increase, "batteryComponent": "pack"}
        ]
        taken.add("internalResistanceIncrease")
    times = {theirs: passport[ours] for theirs, ours in _TIMES if _is_number(passport.get(ours))}
    if times:
        condition["temperatureInformation"] = times
        taken.update(ours for _, ours in _TIMES if ours in passport)


def _written(passport: Mapping[str, object], term: str, unit: str | None) -> object:
    if unit is not None:
        return quantity_value(passport, term, unit)
    value = passport.get(term)
    return value if _is_number(value) else None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
