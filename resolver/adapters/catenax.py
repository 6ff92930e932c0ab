"""Catena-X BatteryPass payloads (SAMM aspect ``io.catenax.battery.battery_pass`` 5.0.0, 6.0.0
and 6.1.0) converted into eu-battery passports: compact JSON-LD in our context.

Only 6.1.0 carries ``specVersion``; Catena-X's standard reads a payload without it as 5.0.0.
Without it the version is told from the shape: 5.0.0 keeps spare parts under
``handling.spareParts``, 6.x under ``handling.content``; a payload with neither is read as
6.0.0. Every date (a field whose name ends in ``Date``) is checked first: an impossible one
(``9169-71-53``) refuses the payload with the field's path. ``convert_with_notes`` also lists
every field of the payload that no mapping read (``unmapped``), so nothing is dropped silently.

The mapping, field by field with its data point, is docs/catenax-mapping.md. Values are carried
over, with unit conversions where the units differ (g -> kg, ppm -> %); what Catena-X does not
hold, or holds in a form that is not ours, is left out, so validation names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeGuard

from resolver import jsonld
from resolver.adapters.dates import check_date, date_value
from resolver.adapters.paths import unread
from resolver.adapters.reader import PathReader
from resolver.errors import DocumentError

__all__ = [
    "SPEC_VERSION",
    "VERSIONS",
    "Conversion",
    "convert",
    "convert_with_notes",
    "detect_version",
    "is_catenax",
]

SPEC_VERSION = "urn:io.catenax.battery.battery_pass:6.1.0"
VERSIONS = ("5.0.0", "6.0.0", "6.1.0")
_ASPECTS = ("metadata", "identification", "performance")
_NIL_UUID = "urn:uuid:00000000-0000-0000-0000-000000000000"

_CATEGORIES = {"EV": "EV", "LMT": "LMT", "industrial": "industrial", "stationary": "stationary"}
# Catena-X writes chemistry as free text; these are the names its examples and users write.
_CHEMISTRIES = {
    "nickel cobalt manganese (ncm)": "NMC",
    "nickel manganese cobalt (nmc)": "NMC",
    "ncm": "NMC",
    "nmc": "NMC",
    "lithium iron phosphate (lfp)": "LFP",
    "lfp": "LFP",
    "lithium manganese oxide (lmo)": "LMO",
    "lithium cobalt oxide (lco)": "LCO",
    "nickel cobalt aluminium (nca)": "NCA",
    "lead acid": "Pb",
    "sodium ion": "NaIon",
}
_STATUSES = {"original", "repurposed", "re-used", "remanufactured", "waste"}
_CF_STAGES = {
    "raw material extraction": "rawMaterialAcquisition",
    "raw material acquisition and pre-processing": "rawMaterialAcquisition",
    "main product production": "mainProduction",
    "distribution": "distribution",
    "end of life and recycling": "endOfLife",
    "recycling": "endOfLife",
}
_CF_CLASSES = {"A": "classA", "B": "classB", "C": "classC", "D": "classD", "E": "classE"}
_LOCATIONS = {"housing": "casing", "casing": "casing", "cathode": "cathode", "anode": "anode",
              "electrolyte": "electrolyte", "separator": "separator"}  # fmt: skip
_WEIGHT_TO_KG = {"unit:gram": 0.001, "unit:kilogram": 1.0}
_PPM_TO_PERCENT = 0.0001


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted passport, the Catena-X version read, and the payload's fields not mapped."""

    document: dict[str, object]
    version: str
    unmapped: tuple[str, ...]


def detect_version(payload: object) -> str | None:
    """The BatteryPass version of a payload (``5.0.0``, ``6.0.0``, ``6.1.0``), or None when it is
    not a BatteryPass payload."""
    if not isinstance(payload, dict):
        return None
    spec = payload.get("specVersion")
    if spec is not None:
        return spec.rsplit(":", 1)[-1] if spec == SPEC_VERSION else None
    if not all(isinstance(payload.get(aspect), dict) for aspect in _ASPECTS):
        return None
    handling = payload.get("handling")
    if isinstance(handling, dict) and "spareParts" in handling:
        return "5.0.0"
    return "6.0.0"


def is_catenax(payload: object) -> bool:
    return detect_version(payload) is not None


def convert(payload: object, *, iri: str | None = None) -> dict[str, object]:
    """The eu-battery passport (compact JSON-LD) for a Catena-X BatteryPass payload.

    ``iri`` is the passport's @id; by default the payload's ``metadata.passportIdentifier``.
    """
    return convert_with_notes(payload, iri=iri).document


def convert_with_notes(payload: object, *, iri: str | None = None) -> Conversion:
    """``convert``, with the version read and the fields of the payload no mapping read."""
    version = detect_version(payload)
    if not isinstance(payload, dict) or version is None:
        raise DocumentError(
            f"not a Catena-X BatteryPass payload (specVersion {SPEC_VERSION!r}, or the 5.0.0/6.0.0 "
            f"shape with {', '.join(_ASPECTS)})"
        )
    _check_dates(payload, "")
    get = PathReader(payload)
    document = _convert(get, payload, iri)
    read = get.read | {"specVersion"}
    unmapped = unread(payload, read)
    return Conversion(document, version, unmapped)


def _convert(get: PathReader, payload: dict[str, object], iri: str | None) -> dict[str, object]:
    identifier = iri or get.text("metadata", "passportIdentifier")
    if not identifier:
        raise DocumentError("the payload has no metadata.passportIdentifier and no IRI was given")
    doc: dict[str, object] = {"@context": jsonld.CONTEXT_URL, "id": identifier, "type": "BatteryPassport"}
    put = _Writer(doc)

    _identity(get, put, identifier)
    _rated(get, put)
    _dynamic(get, put)
    _carbon_footprint(get, put)
    _materials(get, put)
    _safety_and_documents(get, put)
    return doc


def _identity(get: PathReader, put: _Writer, identifier: str) -> None:
    """Who made the battery, when and where; what it is (data points 1-12)."""
    put("passportIdentifier", identifier)
    operator_id = get.text("metadata", "economicOperatorId")
    if operator_id:
        put("operator", {"type": "Operator", "operatorIdentifier": operator_id})
    facility = get.first("operation", "manufacturer", "facility")
    if isinstance(facility, dict) and facility.get("facility"):
        put("manufacturingPlace", {"facilityIdentifier": facility["facility"]})
    made = get.text("operation", "manufacturer", "manufacturingDate")
    put("manufacturingDate", date_value(made) if made else None)
    put("category", _CATEGORIES.get(get.text("identification", "category") or ""))
    put("chemistry", _CHEMISTRIES.get((get.text("identification", "chemistry") or "").strip().lower()))
    put("productName", get.text("identification", "identification", "type", "nameAtManufacturer"))
    put("model", get.text("identification", "identification", "type", "manufacturerPartId"))
    put("serialNumber", _keyed(get.value("identification", "identification", "serial"), "partInstanceId"))
    put("batchNumber", _keyed(get.value("identification", "identification", "batch"), "batchId"))
    status = get.text("sustainability", "status")
    put("status", status if status in _STATUSES else None)
    predecessor = get.text("metadata", "predecessor")
    if predecessor and predecessor != _NIL_UUID:
        put("predecessor", [predecessor])


def _rated(get: PathReader, put: _Writer) -> None:
    """Weight and the rated performance and durability figures."""
    weight = get.value("characteristics", "physicalDimension", "weight")
    if isinstance(weight, dict) and weight.get("value") is not None:
        where = "characteristics.physicalDimension.weight"
        if not _number(weight.get("value")):
            raise DocumentError(f"{where}.value: {weight.get('value')!r} is not a number")
        if weight.get("unit") not in _WEIGHT_TO_KG:
            raise DocumentError(
                f"{where}.unit: {weight.get('unit')!r} is not a unit of mass ({', '.join(_WEIGHT_TO_KG)})"
            )
        put("weight", _quantity(weight["value"] * _WEIGHT_TO_KG[weight["unit"]], "KGM"))

    rated = ("performance", "rated")
    put("ratedCapacity", _quantity(get.number(*rated, "capacity", "value"), "AMH"))
    put("capacityThresholdForExhaustion", _num(get.number(*rated, "capacity", "thresholdExhaustion")))
    put("minimumVoltage", _quantity(get.number(*rated, "voltage", "min"), "VLT"))
    put("nominalVoltage", _quantity(get.number(*rated, "voltage", "nominal"), "VLT"))
    put("maximumVoltage", _quantity(get.number(*rated, "voltage", "max"), "VLT"))
    put("originalPowerCapability", _quantity(get.number(*rated, "power", "value"), "WTT"))
    put(
        "expectedLifetimeCycles",
        _int(get.number(*rated, "lifetime", "cycleLifeTesting", "cycles", integer=True)),
    )
    put("expectedLifetimeYears", _int(get.number(*rated, "lifetime", "expectedYears", integer=True)))
    put(
        "cycleLifeTestCRate", _num(get.number(*rated, "lifetime", "cycleLifeTesting", "appliedDischargeRate"))
    )
    put("initialRoundTripEfficiency", _num(get.number(*rated, "roundTripEfficiency", "initial")))
    put(
        "roundTripEfficiencyAt50PercentCycleLife",
        _num(get.number(*rated, "roundTripEfficiency", "50PercentLife")),
    )
    put("initialInternalResistance", _quantity(get.number(*rated, "resistance", "pack"), "OHM"))
    lower, upper = get.number(*rated, "temperature", "lower"), get.number(*rated, "temperature", "upper")
    if _number(lower) and _number(upper):
        put(
            "idleTemperatureRange",
            {"minimumTemperature": _quantity(lower, "CEL"), "maximumTemperature": _quantity(upper, "CEL")},
        )


def _dynamic(get: PathReader, put: _Writer) -> None:
    """The battery's state now: capacity, power, resistance, efficiency, charge, cycles."""
    dynamic = ("performance", "dynamic")
    put("currentRatedCapacity", _quantity(get.number(*dynamic, "capacity", "capacity", "value"), "AMH"))
    put("capacityFade", _quantity(get.number(*dynamic, "capacity", "fade", "value"), "P1"))
    put("powerCapability", _quantity(get.number(*dynamic, "power", "remaining", "value"), "WTT"))
    put("powerFade", _quantity(get.number(*dynamic, "power", "fade", "value"), "P1"))
    put(
        "internalResistance",
        _quantity(get.number(*dynamic, "resistance", "remaining", "pack", "value"), "OHM"),
    )
    put(
        "internalResistanceIncrease",
        _quantity(get.number(*dynamic, "resistance", "increase", "pack", "value"), "P1"),
    )
    put("roundTripEfficiency", _num(get.number(*dynamic, "roundTripEfficiency", "remaining", "value")))
    put(
        "roundTripEfficiencyFade",
        _quantity(get.number(*dynamic, "roundTripEfficiency", "fade", "value"), "P1"),
    )
    put("stateOfCertifiedEnergy", _quantity(get.number(*dynamic, "energy", "soce", "value"), "P1"))
    put("stateOfCharge", _quantity(get.number(*dynamic, "stateOfCharge", "value"), "P1"))
    put("selfDischargeRate", _quantity(get.number(*dynamic, "selfDischargingRate"), "P1"))
    put("cycleCount", _int(get.number(*dynamic, "fullCycles", "value", integer=True)))


def _safety_and_documents(get: PathReader, put: _Writer) -> None:
    """Safety information, the documents for dismantling and collection, conformity, spare parts."""
    put(
        "extinguishingAgent",
        [a["media"] for a in get.list("safety", "usableExtinguishAgent") if _has(a, "media")],
    )
    put("safetyMeasures", _contents(get.list("safety", "safetyMeasures")))
    documents = [
        {"documentType": kind, "documentUrl": url}
        for field, kind in (("dismantling", "dismantlingManual"), ("removalFromAppliance", "removalManual"))
        for url in _contents(get.list("safety", field))
    ]
    put("dismantlingDocuments", documents)
    put(
        "separateCollectionInfo",
        _first(_contents(get.list("sustainability", "documents", "separateCollection"))),
    )
    put("wastePreventionInfo", _first(_contents(get.list("sustainability", "documents", "wastePrevention"))))
    put("declarationOfConformity", _first(_contents(get.list("conformity", "declarationOfConformity"))))
    put("testReports", _contents(get.list("conformity", "resultOfTestReport")))
    due_diligence = _first(_contents(get.list("conformity", "dueDiligencePolicy")))
    if due_diligence:
        put("dueDiligence", {"reportUrl": due_diligence})
    parts = [
        p["manufacturerPartId"]
        for p in get.list("handling", "content", "sparePart")
        + get.list("handling", "spareParts", "sparePart")
        if _has(p, "manufacturerPartId")
    ]
    put("sparePartNumbers", parts)


def _carbon_footprint(get: PathReader, put: _Writer) -> None:
    footprint: dict[str, object] = {}
    for entry in get.list("sustainability", "carbonFootprint"):
        if not isinstance(entry, dict):
            continue
        if entry.get("value") is None:
            continue
        if not _number(entry.get("value")):
            raise DocumentError(
                f"sustainability.carbonFootprint.value: {entry.get('value')!r} is not a number"
            )
        stage = _CF_STAGES.get(str(entry.get("lifecycle", "")).strip().lower())
        if stage is not None:
            footprint[stage] = _quantity(entry["value"], "kgCO2e/kWh")
        performance_class = _CF_CLASSES.get(str(entry.get("performanceClass", "")))
        if performance_class:
            footprint["performanceClass"] = performance_class
        study = _first(_contents(entry.get("declaration") or []))
        if study:
            footprint.setdefault("studyUrl", study)
    put("carbonFootprint", footprint or None)


def _materials(get: PathReader, put: _Writer) -> None:
    shares = {}
    for material, term in (("cobalt", "recycledCobaltShare"), ("lithium", "recycledLithiumShare"),
                           ("nickel", "recycledNickelShare"), ("lead", "recycledLeadShare")):  # fmt: skip
        value = get.value("materials", "active", material, "recycled")
        if _number(value):
            shares[term] = float(value)
    put("recycledContent", shares or None)
    critical = sorted(
        name.capitalize()
        for name, entry in get.table("materials", "active").items()
        if isinstance(entry, dict) and entry.get("critical") is True and name != "other"
    )
    put("criticalRawMaterials", critical)
    substances = []
    for name, entries in get.table("materials", "hazardous").items():
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            identification = (entry.get("materialIdentification") or [{}])[0]
            substance: dict[str, object] = {"name": identification.get("name") or name}
            if identification.get("type") == "CAS" and identification.get("id"):
                substance["casNumber"] = identification["id"]
            if _number(entry.get("concentration")) and entry.get("materialUnit") == "unit:partPerMillion":
                # rounded: ppm -> % and back (catenax_out) gives the same figure
                substance["concentration"] = round(entry["concentration"] * _PPM_TO_PERCENT, 10)
            location = _LOCATIONS.get(str(entry.get("location", "")).lower())
            if location:
                substance["location"] = location
            substances.append(substance)
    put("hazardousSubstances", substances)


class _Writer:
    """Sets a term on the passport unless the value is missing (None, empty list or dict)."""

    def __init__(self, doc: dict[str, object]) -> None:
        self.doc = doc

    def __call__(self, term: str, value: object) -> None:
        if value is None or value == [] or value == {}:
            return
        self.doc[term] = value


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: object) -> float | None:
    return float(value) if _number(value) else None


def _int(value: object) -> int | None:
    return int(value) if _number(value) and float(value).is_integer() else None


def _quantity(value: object, unit: str) -> dict[str, object] | None:
    return {"value": value, "unit": unit} if _number(value) else None


def _keyed(items: object, key: str) -> str | None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("key") == key and isinstance(item.get("value"), str):
            return str(item["value"])
    return None


def _has(item: object, key: str) -> TypeGuard[dict[str, object]]:
    return isinstance(item, dict) and isinstance(item.get(key), str) and bool(item[key])


def _contents(documents: list[object]) -> list[str]:
    return [str(d["content"]) for d in documents if _has(d, "content")]


def _first(items: list[str]) -> str | None:
    return items[0] if items else None


def _check_dates(node: object, path: str) -> None:
    """Refuse the payload on an impossible date, naming the field's path."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and str(key).lower().endswith("date"):
                check_date(where, value)
            else:
                _check_dates(value, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _check_dates(item, f"{path}[{i}]")
