"""The Digital Battery Passport Part 4, Technical Data submodel (IDTA-02035-4 1.0.2, derived from
IDTA-02003-2-0 Generic Technical Data), in and out of our performance and durability terms.

Element idShorts and semanticIds are those of the published template
(admin-shell-io/submodel-templates, ``published/Digital Battery Passport/4_Technical Data/1/0/2``,
CC BY 4.0); the units, which AAS Properties do not carry, are the SAMM model's the template is
generated from (admin-shell-io/smt-semantic-models, ``io.admin-shell.idta.batterypass.
technical_data/1.0.2``: volt, ampere hour, percent, ohm, watt, degree Celsius, kilogram, year).
``InitialInternalResistanceAtBatteryPackLevel`` and ``InternalResistanceIncreaseAtBatteryPackLevel``,
that model's payload names, are read as the template's ``...OnBatteryPackLevel`` and
``...OfBatteryPackLevel``.

Read, each to our term (a quantity in our unit code): ``BatteryCategory`` (lmt, ev, industrial,
stationary), ``BatteryMass`` (kg), ``WarrantyInformation.WarrantyPeriod`` (an ISO 8601 duration
in whole years, ``P8Y`` or ``P96M``), the voltages (V), ``RatedCapacity`` (Ah), ``CapacityFade``,
the round trip efficiencies and their fade, the pack's initial internal resistance (ohm) and its
increase, ``MaximumPermittedBatteryPower`` (W, ours in kW), ``PowerFade``, the idle temperature
range (degC), the expected lifetime in years and cycles, the capacity threshold for exhaustion
and the C-rate of the cycle-life test. Not ours, listed as not mapped: the certified usable
energy, the initial self-discharging rate (ours is the current one), the cell and module
resistances, the power/energy ratio, the original power capability per state of charge (ours is
one figure with no state of charge), the company logo, product images and manufacturer
identifier. ``ManufacturerName`` is the nameplate's too: taken when the nameplate gives none,
else listed when it differs. A figure that is no number, a count or year that is no whole
number of 0 or more, and a warranty period that is no ISO 8601 duration refuse the input with
the element's path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from resolver.adapters.aas_elements import finite
from resolver.errors import DocumentError

__all__ = ["SEMANTIC_ID", "Technical", "is_technical_data", "read", "write"]

SEMANTIC_ID = "https://admin-shell.io/idta/digitalbatterypassport/TechnicalData/1/0"
_SAMM = "urn:samm:io.admin-shell.idta.batterypass.technical_data:1.0.0#"
_SAMM_101 = "urn:samm:io.admin-shell.idta.batterypass.technical_data:1.0.1#"  # the warranty's, as published
_MANUFACTURER_NAME = "0173-1#02-AAO677#004"
_CATEGORIES = {"lmt": "LMT", "ev": "EV", "industrial": "industrial", "stationary": "stationary"}
_CATEGORY_OUT = {ours: theirs for theirs, ours in _CATEGORIES.items()}
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?$")


@dataclass(frozen=True, slots=True)
class _Field:
    """One Property of the template: where it sits, its semanticId, its value type, and our
    term (``a.b`` for a nested one), unit code and the factor from the template's unit to ours."""

    path: str
    semantic_id: str
    value_type: str
    term: str
    unit: str | None = None  # None: our term holds a plain number
    factor: float = 1.0
    concept: bool = False  # the template references a ConceptDescription (ModelReference)


_AREAS = "TechnicalPropertyAreas."
_CEV, _RTE = _AREAS + "CapacityEnergyVoltage.", _AREAS + "RoundTripEnergyEfficiency."
_RES, _POW = _AREAS + "Resistance.", _AREAS + "PowerCapability."
_TMP, _LIFE = _AREAS + "Temperature.", _AREAS + "Lifetime."
_FIELDS = (
    _Field(
        "GeneralInformation.BatteryMass", _SAMM + "batteryMass", "xs:float", "weight", "KGM", concept=True
    ),
    _Field(
        _CEV + "NominalVoltage", "0173-1#02-ABL588#001", "xs:float", "nominalVoltage", "VLT", concept=True
    ),
    _Field(_CEV + "MinVoltage", "0173-1#02-ABL587#001", "xs:float", "minimumVoltage", "VLT", concept=True),
    _Field(_CEV + "MaxVoltage", "0173-1#02-ABL589#001", "xs:float", "maximumVoltage", "VLT", concept=True),
    _Field(_CEV + "RatedCapacity", "0173-1#02-ABL869#002", "xs:float", "ratedCapacity", "AMH", concept=True),
    _Field(_CEV + "CapacityFade", "0173-1#02-ABL828#002", "xs:float", "capacityFade", "P1", concept=True),
    _Field(
        _RTE + "InitialRoundTripEnergyEfficiency",
        "0173-1#02-ABL833#002",
        "xs:integer",
        "initialRoundTripEfficiency",
        concept=True,
    ),
    _Field(
        _RTE + "RoundTripEnergyEfficiencyAt50PercentOfCycleLife",
        "0173-1#02-ABL866#002",
        "xs:integer",
        "roundTripEfficiencyAt50PercentCycleLife",
        concept=True,
    ),
    _Field(
        _RTE + "EnergyRoundTripEfficiencyFade",
        "0173-1#02-ABL827#002",
        "xs:float",
        "roundTripEfficiencyFade",
        "P1",
        concept=True,
    ),
    _Field(
        _RES + "InitialInternalResistanceOnBatteryPackLevel",
        "0173-1#02-ABL846#002",
        "xs:float",
        "initialInternalResistance",
        "OHM",
        concept=True,
    ),
    _Field(
        _RES + "InternalResistanceIncreaseOfBatteryPackLevel",
        _SAMM + "internalResistanceIncreaseOfBatteryPack",
        "xs:float",
        "internalResistanceIncrease",
        "P1",
    ),
    _Field(
        _POW + "MaximumPermittedBatteryPower",
        "0173-1#02-ABL843#002",
        "xs:float",
        "maximumPermittedPower",
        "KWT",
        0.001,
        concept=True,
    ),
    _Field(_POW + "PowerFade", "0173-1#02-ABL852#002", "xs:float", "powerFade", "P1", concept=True),
    _Field(
        _TMP + "TemperatureRangeIdleState_LowerBoundary",
        "0173-1#02-ABL842#002",
        "xs:float",
        "idleTemperatureRange.minimumTemperature",
        "CEL",
        concept=True,
    ),
    _Field(
        _TMP + "TemperatureRangeIdleState_UpperBoundary",
        "0173-1#02-ABL871#002",
        "xs:float",
        "idleTemperatureRange.maximumTemperature",
        "CEL",
        concept=True,
    ),
    _Field(
        _LIFE + "ExpectedLifetimeInCalendarYears",
        _SAMM + "expectedLifetime",
        "xs:unsignedInt",
        "expectedLifetimeYears",
    ),
    _Field(
        _LIFE + "ExpectedNumberOfCycles",
        _SAMM + "expectedNumberOfCycles",
        "xs:unsignedInt",
        "expectedLifetimeCycles",
    ),
    _Field(
        _LIFE + "CapacityThresholdExhaustion",
        "0173-1#02-ABL838#002",
        "xs:float",
        "capacityThresholdForExhaustion",
        concept=True,
    ),
    _Field(
        _LIFE + "CRateOfRelevantCycleLifeTest",
        _SAMM + "cRateLifeCycleTest",
        "xs:decimal",
        "cycleLifeTestCRate",
    ),
)
_BY_PATH = {field.path: field for field in _FIELDS}
_ALIASES = {  # the SAMM model's payload names for two of the template's idShorts
    _RES + "InitialInternalResistanceAtBatteryPackLevel": _RES
    + "InitialInternalResistanceOnBatteryPackLevel",
    _RES + "InternalResistanceIncreaseAtBatteryPackLevel": _RES
    + "InternalResistanceIncreaseOfBatteryPackLevel",
}
_SECTIONS = {  # collection path -> its semanticId in the template
    "GeneralInformation": "0173-1#02-ABK161#002/0173-1#01-AHX838#002",
    "GeneralInformation.WarrantyInformation": _SAMM_101 + "warrantyInformation",
    "TechnicalPropertyAreas": "0173-1#02-ABK163#002",
    "TechnicalPropertyAreas.CapacityEnergyVoltage": _SAMM + "capacityEnergyVoltage",
    "TechnicalPropertyAreas.RoundTripEnergyEfficiency": _SAMM + "roundTripEnergyEfficiency",
    "TechnicalPropertyAreas.Resistance": _SAMM + "resistance",
    "TechnicalPropertyAreas.PowerCapability": _SAMM + "powerCapability",
    "TechnicalPropertyAreas.Temperature": _SAMM + "temperature",
    "TechnicalPropertyAreas.Lifetime": _SAMM + "lifetime",
}  # fmt: skip
_WARRANTY = "GeneralInformation.WarrantyInformation.WarrantyPeriod"
_Values = dict[str, dict[str, dict[str, object]]]  # collection path -> element path -> element
WRITTEN = ("category", "commercialWarrantyPeriod", *(field.term.split(".")[0] for field in _FIELDS))


@dataclass(frozen=True, slots=True)
class Technical:
    """What the submodel gives: our terms, its ``ManufacturerName``, the paths not mapped."""

    terms: dict[str, object]
    manufacturer_name: str | None
    unmapped: list[str]


def is_technical_data(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 4 technical data (by semanticId, else idShort)."""
    semantic = str(submodel.get("semanticId", ""))
    return (
        SEMANTIC_ID in semantic
        or "batterypass.technical_data" in semantic
        or (submodel.get("idShort") == "TechnicalData" and "submodelElements" in submodel)
    )


def _walk(container: Mapping[str, object], path: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    children = container.get("submodelElements", container.get("value"))
    for element in children if isinstance(children, list) else []:
        if not isinstance(element, dict):
            continue
        where = f"{path}.{element.get('idShort', '?')}" if path else str(element.get("idShort", "?"))
        if element.get("modelType") == "SubmodelElementCollection":
            yield from _walk(element, where)
        else:
            yield where, element


def read(submodel: Mapping[str, object], name: str) -> Technical:
    """Our terms from the Part 4 submodel; DocumentError, with its path, for an impossible value."""
    terms: dict[str, object] = {}
    unmapped: list[str] = []
    manufacturer: str | None = None
    for where, element in _walk(submodel, ""):
        path, value = f"{name}.{where}", element.get("value")
        if not _holds(value):
            continue  # no value (a template's empty File or list items too): no data
        where = _ALIASES.get(where, where)
        field = _BY_PATH.get(where)
        if field is not None:
            _put(terms, field.term, _value(field, value, path))
        elif where == "GeneralInformation.BatteryCategory" and str(value).lower() in _CATEGORIES:
            terms["category"] = _CATEGORIES[str(value).lower()]
        elif where == _WARRANTY:
            terms["commercialWarrantyPeriod"] = {"value": _years(str(value), path), "unit": "ANN"}
        elif where == "GeneralInformation.ManufacturerName" and isinstance(value, str):
            manufacturer = value
        else:
            unmapped.append(path)
    return Technical(terms, manufacturer, unmapped)


def _holds(value: object) -> bool:
    """Whether an element's value holds data: a text, or a list (of elements or language
    strings) with one that does."""
    if isinstance(value, list):
        return any(isinstance(v, dict) and _holds(v.get("value", v.get("text"))) for v in value)
    return value is not None and value != ""


def _put(terms: dict[str, object], term: str, value: object) -> None:
    head, _, rest = term.partition(".")
    if not rest:
        terms[head] = value
        return
    inner = terms.setdefault(head, {})
    if isinstance(inner, dict):
        inner[rest] = value


def _value(field: _Field, value: object, path: str) -> object:
    number = finite(value, path)
    if field.value_type == "xs:unsignedInt":
        if number < 0 or not number.is_integer():
            raise DocumentError(f"{path}: {value!r} is not a whole number of 0 or more")
        return int(number)
    if field.unit is None:
        return int(number) if field.value_type == "xs:integer" and number.is_integer() else number
    return {"value": _tidy(number * field.factor), "unit": field.unit}


def _tidy(number: float) -> float | int:
    rounded = round(number, 9)
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def _years(text: str, path: str) -> int:
    match = _DURATION.match(text)
    if match is None or not any(match.groups()):
        raise DocumentError(f"{path}: {text!r} is not an ISO 8601 duration in years and months (P8Y, P96M)")
    years, months = int(match.group(1) or 0), int(match.group(2) or 0)
    if months % 12:
        raise DocumentError(f"{path}: {text!r} is not a whole number of years, as the passport holds it")
    return years + months // 12


def write(compact: Mapping[str, object], identifier: str) -> tuple[dict[str, object] | None, list[str]]:
    """The Part 4 submodel for a passport's technical data (None: it has none), and its terms
    that could not be written (another unit, a fraction where the template asks a whole number)."""
    values: _Values = {}
    left: list[str] = []
    for field in _FIELDS:
        found = _get(compact, field.term)
        if found is None:
            continue
        text = _out(field, found)
        if text is None:
            left.append(field.term.split(".")[0])
            continue
        _at(values, field.path, _prop(field, text))
    category = _CATEGORY_OUT.get(str(compact.get("category")))
    if category is not None:
        _at(values, "GeneralInformation.BatteryCategory",
            _plain("BatteryCategory", _SAMM + "batteryCategory", category))  # fmt: skip
    warranty = compact.get("commercialWarrantyPeriod")
    if isinstance(warranty, dict) and warranty.get("unit") == "ANN" and _whole(warranty.get("value")):
        _at(
            values,
            _WARRANTY,
            _plain("WarrantyPeriod", _SAMM_101 + "warrantyPeriod", f"P{int(warranty['value'])}Y"),
        )
    elif warranty is not None:
        left.append("commercialWarrantyPeriod")
    if not values:
        return None, left
    name = _get(compact, "manufacturer.organizationName")
    if isinstance(name, str):  # the template's GeneralInformation has it (once), as the nameplate
        general = {
            "GeneralInformation.ManufacturerName": _plain("ManufacturerName", _MANUFACTURER_NAME, name)
        }
        values["GeneralInformation"] = {**general, **values.get("GeneralInformation", {})}
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#TechnicalData",
        "idShort": "TechnicalData",
        "kind": "Instance",
        "semanticId": _reference(SEMANTIC_ID),
        "submodelElements": _elements(values, ""),
    }
    return submodel, sorted(set(left))


def _get(compact: Mapping[str, object], term: str) -> object:
    head, _, rest = term.partition(".")
    found = compact.get(head)
    if not rest:
        return found
    return found.get(rest) if isinstance(found, dict) else None


def _whole(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()


def _out(field: _Field, found: object) -> str | None:
    """The template's value text for our value (None: another unit, or not a whole number where
    the template asks one)."""
    if field.unit is not None:
        if not isinstance(found, dict) or found.get("unit") != field.unit:
            return None
        found = found.get("value")
    if not isinstance(found, int | float) or isinstance(found, bool):
        return None
    number = _tidy(found / field.factor)
    if field.value_type in ("xs:integer", "xs:unsignedInt"):
        return str(int(number)) if _whole(number) else None
    return str(number)


def _at(values: _Values, path: str, element: dict[str, object]) -> None:
    section, _, _ = path.rpartition(".")
    values.setdefault(section, {})[path] = element


def _elements(values: _Values, parent: str) -> list[dict[str, object]]:
    """The elements under ``parent``, in the template's order: its Properties, then its
    collections (each with what is under it)."""
    out: list[dict[str, object]] = list(values.get(parent, {}).values())
    for section, semantic in _SECTIONS.items():
        if section.rpartition(".")[0] != parent:
            continue
        inner = _elements(values, section)
        if inner:
            out.append({
                "modelType": "SubmodelElementCollection",
                "idShort": section.rpartition(".")[2],
                "semanticId": _reference(semantic),
                "value": inner,
            })  # fmt: skip
    return out


def _reference(semantic_id: str, *, concept: bool = False) -> dict[str, object]:
    if concept:
        return {"type": "ModelReference", "keys": [{"type": "ConceptDescription", "value": semantic_id}]}
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _prop(field: _Field, text: str) -> dict[str, object]:
    return {
        "modelType": "Property",
        "idShort": field.path.rpartition(".")[2],
        "semanticId": _reference(field.semantic_id, concept=field.concept),
        "valueType": field.value_type,
        "value": text,
    }


def _plain(short: str, semantic_id: str, text: str) -> dict[str, object]:
    return {
        "modelType": "Property",
        "idShort": short,
        "semanticId": _reference(semantic_id),
        "valueType": "xs:string",
        "value": text,
    }
