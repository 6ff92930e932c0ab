"""The Digital Battery Passport Part 3, Product Carbon Footprint submodel (IDTA-02035-3, derived
from IDTA-02023 Carbon Footprint 1.0), in and out of our ``carbonFootprint``.

The submodel (idShort ``CarbonFootprint``) holds a list ``ProductCarbonFootprints`` of entries,
each: ``PcfCO2eq`` (kg CO2e) per ``QuantityOfMeasureForCalculation`` of
``ReferenceImpactUnitForCalculation``, for the ``LifeCyclePhases`` it lists, with the battery's
``PerformanceClass`` and ``WebLinkToPublicCarbonFootprintStudy``. IDTA-02035-3 maps the Battery
Regulation's stages to phases after DIN DKE SPEC 99100: ``A1`` raw material supply -> raw
material acquisition, ``A3`` production -> main production, ``A4`` transport to final
destination -> distribution, ``C3`` recycling, waste treatment -> end of life; and asks for one
entry with the total over all phases. Ours are per kWh (Annex II), so an entry is read when its
reference unit is the kWh; one per ``piece`` (a whole battery), or for phases outside that
mapping (``B1``, ``C4``, ``D``, ...), is listed as not mapped, never guessed. The study is read
only as an absolute web address: the published template gives a Part 2 document identifier
there (``XF90-884``), which is listed. Elements with no value (a template's) are no data.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from resolver.adapters.aas_elements import children, finite
from resolver.errors import DocumentError

__all__ = ["SEMANTIC_ID", "is_carbon_footprint", "read", "write"]

SEMANTIC_ID = "urn:samm:io.admin-shell.idta.batterypass.carbon_footprint:1.0.0#CarbonFootprint"
PCF = "urn:samm:io.admin-shell.idta.carbon_footprint:1.0.0#"
_PHASES = {  # DIN DKE SPEC 99100's mapping, as IDTA-02035-3 gives it
    "rawMaterialAcquisition": "A1 - raw material supply (and upstream production)",
    "mainProduction": "A3 - production",
    "distribution": "A4 - transport to final destination",
    "endOfLife": "C3 - recycling, waste treatment",
}
_BY_CODE = {text.split(" ", 1)[0]: stage for stage, text in _PHASES.items()}
_KWH = ("kwh", "kilowatt hour", "kilowatthour")
_UNIT = "kgCO2e/kWh"
_CLASSES = {f"class{letter}": letter for letter in "ABCDE"}
_CLASS_IN = {letter: ours for ours, letter in _CLASSES.items()}


def is_carbon_footprint(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 3 carbon footprint (by idShort or semanticId)."""
    semantic = str(submodel.get("semanticId", ""))
    return submodel.get("idShort") == "CarbonFootprint" or "carbon_footprint" in semantic


def _leaves(element: Mapping[str, object]) -> list[str]:
    """The texts of a Property, or of a list of Properties (or Files)."""
    value = element.get("value")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    return [text for child in children(element) for text in _leaves(child)]


def read(submodel: Mapping[str, object], path: str) -> tuple[dict[str, object], list[str]]:
    """Our ``carbonFootprint`` from the submodel, and the idShort paths not mapped."""
    footprint: dict[str, object] = {}
    unmapped: list[str] = []
    for element in children(submodel):
        short = str(element.get("idShort", "?"))
        if not _leaves(element):
            continue  # no value (a template's empty element): no data
        if short != "ProductCarbonFootprints":
            unmapped.append(f"{path}.{short}")
            continue
        for index, entry in enumerate(children(element)):
            unmapped += _entry(entry, f"{path}.{short}[{index}]", footprint)
    return footprint, unmapped


def _entry(entry: Mapping[str, object], path: str, footprint: dict[str, object]) -> list[str]:
    fields = {str(child.get("idShort")): child for child in children(entry) if _leaves(child)}
    left = [f"{path}.{name}" for name in fields if name not in _READ]
    left += _class_and_study(fields, path, footprint)
    stage, why = _stage(fields)
    per_kwh = _per_kwh(fields, path) if stage is not None else None
    if "PcfCO2eq" not in fields:
        return left
    if stage is None or per_kwh is None or stage in footprint:
        reason = why or (f"per {_unit_of(fields)}, not per kWh" if per_kwh is None else f"a second {stage}")
        return [*left, f"{path}.PcfCO2eq ({reason})"]
    footprint[stage] = {"value": per_kwh, "unit": _UNIT}
    return left


def _class_and_study(
    fields: Mapping[str, Mapping[str, object]], path: str, footprint: dict[str, object]
) -> list[str]:
    """The performance class (A to E: the Regulation's) and the study's web link, each taken
    once; another class (``B+``) or a second value is listed."""
    left: list[str] = []
    klass = _leaves(fields["PerformanceClass"]) if "PerformanceClass" in fields else []
    ours = _CLASS_IN.get(klass[0].strip().upper()) if len(klass) == 1 else None
    if ours is not None and "performanceClass" not in footprint:
        footprint["performanceClass"] = ours
    elif klass:
        left.append(f"{path}.PerformanceClass")
    links = (
        _leaves(fields["WebLinkToPublicCarbonFootprintStudy"])
        if "WebLinkToPublicCarbonFootprintStudy" in fields
        else []
    )
    if len(links) == 1 and "studyUrl" not in footprint and _is_web(links[0]):
        footprint["studyUrl"] = links[0]
    elif links and not all(_is_web(link) for link in links):
        left.append(f"{path}.WebLinkToPublicCarbonFootprintStudy (a document identifier, not a web address)")
    elif links:
        left.append(f"{path}.WebLinkToPublicCarbonFootprintStudy")
    return left


_READ = frozenset(
    {
        "PcfCO2eq",
        "ReferenceImpactUnitForCalculation",
        "QuantityOfMeasureForCalculation",
        "LifeCyclePhases",
        "PerformanceClass",
        "WebLinkToPublicCarbonFootprintStudy",
    }
)


def _stage(fields: Mapping[str, Mapping[str, object]]) -> tuple[str | None, str]:
    """The stage of ours an entry's phases make: one mapped phase is that stage; every mapped
    phase (the entry with all phases) is the total; anything else is none, with why."""
    phases = _leaves(fields["LifeCyclePhases"]) if "LifeCyclePhases" in fields else []
    codes = {phase.strip().split(" ", 1)[0].upper() for phase in phases}
    stages = {_BY_CODE.get(code) for code in codes}
    if len(codes) == 1 and None not in stages:
        return stages.pop(), ""
    if set(_BY_CODE) <= codes:
        return "total", ""
    return None, f"life cycle phases {sorted(codes)} are no stage of the Battery Regulation's Annex II"


def _is_web(link: str) -> bool:
    """Whether ``link`` is an absolute web address. IDTA-02035-3 as published gives the study as
    a list of Part 2 document identifiers (``XF90-884``), which is no address of a study."""
    parts = urlsplit(link.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _unit_of(fields: Mapping[str, Mapping[str, object]]) -> str:
    unit = (
        _leaves(fields["ReferenceImpactUnitForCalculation"])
        if "ReferenceImpactUnitForCalculation" in fields
        else []
    )
    return unit[0] if unit else "no unit"


def _per_kwh(fields: Mapping[str, Mapping[str, object]], path: str) -> float | None:
    """kg CO2e per kWh, when the entry is per kWh (None otherwise); DocumentError for a figure
    or quantity that is no number, or a quantity of 0."""
    if _unit_of(fields).strip().lower() not in _KWH or "PcfCO2eq" not in fields:
        return None
    figure = _number(fields["PcfCO2eq"], f"{path}.PcfCO2eq")
    quantity = 1.0
    if "QuantityOfMeasureForCalculation" in fields:
        quantity = _number(
            fields["QuantityOfMeasureForCalculation"], f"{path}.QuantityOfMeasureForCalculation"
        )
    if quantity <= 0:
        raise DocumentError(
            f"{path}.QuantityOfMeasureForCalculation: {quantity!r} is not a possible quantity"
        )
    return figure / quantity


def _number(element: Mapping[str, object], path: str) -> float:
    texts = _leaves(element)
    return finite(texts[0] if texts else element.get("value"), path)


def write(footprint: Mapping[str, object], identifier: str) -> tuple[dict[str, object], list[str]]:
    """The Part 3 submodel for our ``carbonFootprint``, and the parts of it not written."""
    entries: list[dict[str, object]] = []
    left: list[str] = []
    for stage in (*_PHASES, "total"):
        figure = footprint.get(stage)
        if figure is None:
            continue
        if (
            not isinstance(figure, dict)
            or figure.get("unit") != _UNIT
            or not isinstance(figure.get("value"), int | float)
        ):
            left.append(f"carbonFootprint.{stage}")
            continue
        phases = list(_PHASES.values()) if stage == "total" else [_PHASES[stage]]
        entries.append(_pcf(figure["value"], phases, footprint if stage == "total" else {}))
    left += [
        f"carbonFootprint.{key}"
        for key in footprint
        if key not in (*_PHASES, "total", "performanceClass", "studyUrl")
    ]
    if "total" not in footprint:  # the class and study go with the total entry only
        left += [f"carbonFootprint.{key}" for key in ("performanceClass", "studyUrl") if key in footprint]
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#CarbonFootprint",
        "idShort": "CarbonFootprint",
        "kind": "Instance",
        "semanticId": _reference(SEMANTIC_ID),
        "submodelElements": [
            {
                "modelType": "SubmodelElementList",
                "idShort": "ProductCarbonFootprints",
                "semanticId": _reference(PCF + "productCarbonFootprints"),
                "typeValueListElement": "SubmodelElementCollection",
                "value": entries,
            }
        ],
    }
    return submodel, left


def _pcf(value: object, phases: list[str], extra: Mapping[str, object]) -> dict[str, object]:
    elements: list[dict[str, object]] = [
        _prop("PcfCO2eq", "pcfCo2eq", "xs:decimal", value),
        _prop("ReferenceImpactUnitForCalculation", "referenceImpactUnitForCalculation", "xs:string", "kWh"),
        _prop("QuantityOfMeasureForCalculation", "quantityOfMeasureForCalculation", "xs:double", 1),
        _list("LifeCyclePhases", "lifeCyclePhases", phases),
    ]
    letter = _CLASSES.get(str(extra.get("performanceClass")))
    if letter is not None:
        elements.append(_prop("PerformanceClass", "performanceClass", "xs:string", letter))
    if isinstance(extra.get("studyUrl"), str):
        elements.append(
            _list(
                "WebLinkToPublicCarbonFootprintStudy",
                "webLinkToPublicCarbonFootprintStudy",
                [str(extra["studyUrl"])],
            )
        )
    return {"modelType": "SubmodelElementCollection", "value": elements}


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _prop(short: str, name: str, value_type: str, value: object) -> dict[str, object]:
    return {
        "modelType": "Property",
        "idShort": short,
        "semanticId": _reference(PCF + name),
        "valueType": value_type,
        "value": str(value),
    }


def _list(short: str, name: str, texts: list[str]) -> dict[str, object]:
    items = [{"modelType": "Property", "valueType": "xs:string", "value": text} for text in texts]
    return {
        "modelType": "SubmodelElementList",
        "idShort": short,
        "semanticId": _reference(PCF + name),
        "typeValueListElement": "Property",
        "valueTypeListElement": "xs:string",
        "value": items,
    }
