"""Our passports out as Catena-X BatteryPass 6.1.0 payloads: the inverse of the field mapping in
resolver/adapters/catenax.py (docs/catenax-mapping.md), so that a payload read in, written out
and read again gives the same graph.

Written back: every term the reader fills, with the reader's conversions undone (kg ->
``unit:kilogram``, % -> ppm for hazardous substances, kW -> W for power). What Catena-X does not
hold, or holds in a form the reader would not give back, is not written and is named in
``Payload.not_written`` (for example ``carbonFootprint.total``, which the reader never fills).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from resolver import jsonld
from resolver.adapters import catenax
from resolver.errors import DocumentError

__all__ = ["Payload", "to_payload"]

_CHEMISTRY_OUT = {code: name for name, code in reversed(list(catenax._CHEMISTRIES.items()))}
_STAGE_OUT = {stage: name for name, stage in reversed(list(catenax._CF_STAGES.items()))}
_CLASS_OUT = {ours: letter for letter, ours in catenax._CF_CLASSES.items()}
_POWER_TO_W = {"WTT": 1, "KWT": 1000}
# term -> (path under performance.rated, unit the reader gives it)
_RATED = {
    "minimumVoltage": (("voltage", "min"), "VLT"),
    "nominalVoltage": (("voltage", "nominal"), "VLT"),
    "maximumVoltage": (("voltage", "max"), "VLT"),
    "initialInternalResistance": (("resistance", "pack"), "OHM"),
}
_DYNAMIC = {
    "currentRatedCapacity": (("capacity", "capacity", "value"), "AMH"),
    "capacityFade": (("capacity", "fade", "value"), "P1"),
    "powerCapability": (("power", "remaining", "value"), "WTT"),
    "powerFade": (("power", "fade", "value"), "P1"),
    "internalResistance": (("resistance", "remaining", "pack", "value"), "OHM"),
    "internalResistanceIncrease": (("resistance", "increase", "pack", "value"), "P1"),
    "roundTripEfficiencyFade": (("roundTripEfficiency", "fade", "value"), "P1"),
    "stateOfCertifiedEnergy": (("energy", "soce", "value"), "P1"),
    "stateOfCharge": (("stateOfCharge", "value"), "P1"),
    "selfDischargeRate": (("selfDischargingRate",), "P1"),
}


@dataclass(frozen=True, slots=True)
class Payload:
    document: dict[str, object]
    not_written: tuple[str, ...]


class _Out:
    """The payload being built, and the passport terms (paths) it took."""

    def __init__(self, passport: Mapping[str, object]) -> None:
        self.passport = passport
        self.payload: dict[str, object] = {"specVersion": catenax.SPEC_VERSION}
        self.taken: set[str] = set()

    def put(self, path: tuple[str, ...], value: object, term: str) -> None:
        if value is None or value == [] or value == {}:
            return
        node = self.payload
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = value
        self.taken.add(term)

    def get(self, term: str, *keys: str) -> object:
        value: object = self.passport.get(term)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value


def to_payload(doc: object) -> Payload:
    """A Catena-X BatteryPass 6.1.0 payload for one of our passports (compact or expanded)."""
    compact = jsonld.compact_expanded(jsonld.expand(doc))
    identifier = compact.get("id")
    if not isinstance(identifier, str):
        raise DocumentError("the passport has no id")
    out = _Out(compact)
    out.put(("metadata", "passportIdentifier"), identifier, "id")
    if compact.get("passportIdentifier") == identifier:
        out.taken.add("passportIdentifier")
    _identity(out)
    _rated(out)
    _dynamic(out)
    _carbon_footprint(out)
    _materials(out)
    _documents(out)
    skip = {"@context", "type", *out.taken}
    return Payload(out.payload, tuple(sorted(k for k in compact if k not in skip)))


def _identity(out: _Out) -> None:
    out.put(("metadata", "economicOperatorId"), out.get("operator", "operatorIdentifier"), "operator")
    facility = out.get("manufacturingPlace", "facilityIdentifier")
    if isinstance(facility, str):
        out.put(("operation", "manufacturer", "facility"), [{"facility": facility}], "manufacturingPlace")
    made = out.get("manufacturingDate")
    made = made.get("@value") if isinstance(made, dict) else made
    out.put(("operation", "manufacturer", "manufacturingDate"), made, "manufacturingDate")
    out.put(("identification", "category"), out.get("category"), "category")
    out.put(("identification", "chemistry"), _CHEMISTRY_OUT.get(str(out.get("chemistry"))), "chemistry")
    kind = ("identification", "identification", "type")
    out.put((*kind, "nameAtManufacturer"), out.get("productName"), "productName")
    out.put((*kind, "manufacturerPartId"), out.get("model"), "model")
    for term, field, key in (
        ("serialNumber", "serial", "partInstanceId"),
        ("batchNumber", "batch", "batchId"),
    ):
        value = out.get(term)
        if isinstance(value, str):
            out.put(("identification", "identification", field), [{"key": key, "value": value}], term)
    out.put(("sustainability", "status"), out.get("status"), "status")
    predecessor = out.get("predecessor")
    first = predecessor[0] if isinstance(predecessor, list) and len(predecessor) == 1 else predecessor
    out.put(("metadata", "predecessor"), first if isinstance(first, str) else None, "predecessor")


def _value(out: _Out, term: str, unit: str) -> object:
    quantity = out.get(term)
    if isinstance(quantity, dict) and quantity.get("unit") == unit:
        return quantity.get("value")
    return None


def _rated(out: _Out) -> None:
    weight = _value(out, "weight", "KGM")
    if weight is not None:
        out.put(
            ("characteristics", "physicalDimension", "weight"),
            {"value": weight, "unit": "unit:kilogram"},
            "weight",
        )
    rated = ("performance", "rated")
    out.put((*rated, "capacity", "value"), _value(out, "ratedCapacity", "AMH"), "ratedCapacity")
    out.put((*rated, "capacity", "thresholdExhaustion"), out.get("capacityThresholdForExhaustion"),
            "capacityThresholdForExhaustion")  # fmt: skip
    for term, (path, unit) in _RATED.items():
        out.put((*rated, *path), _value(out, term, unit), term)
    power = out.get("originalPowerCapability")
    if isinstance(power, dict) and power.get("unit") in _POWER_TO_W and catenax._number(power.get("value")):
        out.put(
            (*rated, "power", "value"),
            power["value"] * _POWER_TO_W[str(power["unit"])],
            "originalPowerCapability",
        )
    life = (*rated, "lifetime")
    out.put(
        (*life, "cycleLifeTesting", "cycles"), out.get("expectedLifetimeCycles"), "expectedLifetimeCycles"
    )
    out.put((*life, "expectedYears"), out.get("expectedLifetimeYears"), "expectedLifetimeYears")
    out.put(
        (*life, "cycleLifeTesting", "appliedDischargeRate"),
        out.get("cycleLifeTestCRate"),
        "cycleLifeTestCRate",
    )
    out.put((*rated, "roundTripEfficiency", "initial"), out.get("initialRoundTripEfficiency"),
            "initialRoundTripEfficiency")  # fmt: skip
    half = "roundTripEfficiencyAt50PercentCycleLife"
    out.put((*rated, "roundTripEfficiency", "50PercentLife"), out.get(half), half)
    lower = out.get("idleTemperatureRange", "minimumTemperature")
    upper = out.get("idleTemperatureRange", "maximumTemperature")
    if (
        isinstance(lower, dict)
        and isinstance(upper, dict)
        and lower.get("unit") == upper.get("unit") == "CEL"
    ):
        out.put((*rated, "temperature", "lower"), lower.get("value"), "idleTemperatureRange")
        out.put((*rated, "temperature", "upper"), upper.get("value"), "idleTemperatureRange")


def _dynamic(out: _Out) -> None:
    dynamic = ("performance", "dynamic")
    for term, (path, unit) in _DYNAMIC.items():
        out.put((*dynamic, *path), _value(out, term, unit), term)
    out.put((*dynamic, "roundTripEfficiency", "remaining", "value"), out.get("roundTripEfficiency"),
            "roundTripEfficiency")  # fmt: skip
    out.put((*dynamic, "fullCycles", "value"), out.get("cycleCount"), "cycleCount")


def _carbon_footprint(out: _Out) -> None:
    footprint = out.get("carbonFootprint")
    if not isinstance(footprint, dict):
        return
    entries: list[dict[str, object]] = []
    for stage, name in _STAGE_OUT.items():
        value = footprint.get(stage)
        if (
            isinstance(value, dict)
            and value.get("unit") == "kgCO2e/kWh"
            and catenax._number(value.get("value"))
        ):
            entries.append({"lifecycle": name, "value": value["value"]})
    written = {stage for stage in _STAGE_OUT if stage in footprint}
    if entries and footprint.get("performanceClass") in _CLASS_OUT:
        entries[0]["performanceClass"] = _CLASS_OUT[str(footprint["performanceClass"])]
        written.add("performanceClass")
    if entries and isinstance(footprint.get("studyUrl"), str):
        entries[0]["declaration"] = [{"content": footprint["studyUrl"]}]
        written.add("studyUrl")
    out.put(("sustainability", "carbonFootprint"), entries, "carbonFootprint")
    if set(footprint) - written - {"type"}:
        out.taken.discard("carbonFootprint")  # a part of it (total, ...) is not written


def _materials(out: _Out) -> None:
    active: dict[str, dict[str, object]] = {}
    shares = out.get("recycledContent")
    for material, term in (("cobalt", "recycledCobaltShare"), ("lithium", "recycledLithiumShare"),
                           ("nickel", "recycledNickelShare"), ("lead", "recycledLeadShare")):  # fmt: skip
        value = shares.get(term) if isinstance(shares, dict) else None
        if catenax._number(value):
            active.setdefault(material, {})["recycled"] = value
    found = out.get("criticalRawMaterials")
    critical = found if isinstance(found, list) else [found] if isinstance(found, str) else []
    for name in critical:
        if isinstance(name, str) and name.lower() != "other" and name.lower().capitalize() == name:
            active.setdefault(name.lower(), {})["critical"] = True
    out.put(("materials", "active"), active, "recycledContent")
    if critical and all(isinstance(n, str) and n.lower().capitalize() == n for n in critical):
        out.taken.add("criticalRawMaterials")
    hazardous: dict[str, object] = {}
    substances = out.get("hazardousSubstances")
    for substance in substances if isinstance(substances, list) else []:
        if isinstance(substance, dict) and isinstance(substance.get("name"), str):
            hazardous[str(substance["name"])] = [_hazard(substance)]
    out.put(("materials", "hazardous"), hazardous, "hazardousSubstances")


def _hazard(substance: Mapping[str, object]) -> dict[str, object]:
    identification: dict[str, object] = {"name": substance["name"]}
    if isinstance(substance.get("casNumber"), str):
        identification.update(type="CAS", id=substance["casNumber"])
    entry: dict[str, object] = {"materialIdentification": [identification]}
    concentration = substance.get("concentration")
    if catenax._number(concentration):
        entry.update(
            concentration=round(concentration / catenax._PPM_TO_PERCENT, 6),
            materialUnit="unit:partPerMillion",
        )
    if isinstance(substance.get("location"), str):
        entry["location"] = substance["location"]
    return entry


def _contents(value: object) -> list[dict[str, object]]:
    items = value if isinstance(value, list) else [value]
    return [{"content": item} for item in items if isinstance(item, str)]


def _documents(out: _Out) -> None:
    agents = out.get("extinguishingAgent")
    out.put(("safety", "usableExtinguishAgent"),
            [{"media": a} for a in (agents if isinstance(agents, list) else [agents]) if isinstance(a, str)],
            "extinguishingAgent")  # fmt: skip
    out.put(("safety", "safetyMeasures"), _contents(out.get("safetyMeasures")), "safetyMeasures")
    documents = out.get("dismantlingDocuments")
    by_kind: dict[str, list[dict[str, object]]] = {}
    for document in documents if isinstance(documents, list) else []:
        if isinstance(document, dict) and isinstance(document.get("documentUrl"), str):
            field = {"dismantlingManual": "dismantling", "removalManual": "removalFromAppliance"}.get(
                str(document.get("documentType"))
            )
            if field is None or set(document) - {"documentType", "documentUrl"}:
                by_kind.clear()
                break
            by_kind.setdefault(field, []).append({"content": document["documentUrl"]})
    for field, items in by_kind.items():
        out.put(("safety", field), items, "dismantlingDocuments")
    for field, term in (
        ("separateCollection", "separateCollectionInfo"),
        ("wastePrevention", "wastePreventionInfo"),
    ):
        out.put(("sustainability", "documents", field), _contents(out.get(term)), term)
    out.put(("conformity", "declarationOfConformity"), _contents(out.get("declarationOfConformity")),
            "declarationOfConformity")  # fmt: skip
    out.put(("conformity", "resultOfTestReport"), _contents(out.get("testReports")), "testReports")
    due = out.get("dueDiligence")
    if isinstance(due, dict) and set(due) == {"reportUrl"}:
        out.put(("conformity", "dueDiligencePolicy"), _contents(due["reportUrl"]), "dueDiligence")
    parts = out.get("sparePartNumbers")
    numbers = [p for p in (parts if isinstance(parts, list) else [parts]) if isinstance(p, str)]
    out.put(
        ("handling", "content", "sparePart"), [{"manufacturerPartId": p} for p in numbers], "sparePartNumbers"
    )
