"""IDTA Asset Administration Shell (AAS 3.0 JSON): the Digital Battery Passport Part 1, Digital
Nameplate submodel (IDTA-02035-1), in and out of the eu-battery model.

In: an AAS environment (``{"submodels": [...]}``) or one Submodel. The nameplate's elements are
read by idShort (case as published: ``URIOfTheProduct``, ``SerialNumber``, ...):

- ``URIOfTheProduct`` -> the passport's ``id``;
- ``SerialNumber`` -> ``serialNumber``; ``DateOfManufacture`` -> ``manufacturingDate`` (checked;
  a month and year is kept);
- ``ManufacturerName`` and ``ManufacturerProductDesignation`` (multi-language) ->
  ``manufacturer.organizationName`` and ``productName`` (the English text, else the first);
- ``AddressInformation``: ``Street``, ``ZipCode``, ``CityTown``, ``NationalCode`` ->
  ``manufacturer.address``;
- ``OperatorIdentifier`` -> ``operator.operatorIdentifier``; ``UniqueFacilityIdentifier`` ->
  ``manufacturingPlace.facilityIdentifier``; ``LifeCycleStage`` (as the published 1.1 names it;
  ``BatteryStatus``, earlier drafts' name, is read too) -> ``status``.

Every other element (``Markings``, ``ManufacturerIdentifier``, other submodels) is listed as not
mapped, by idShort path (an item of a SubmodelElementList, which has none, by its index). Out
(``to_environment``) writes those fields as an AAS environment with its submodel; each element's
semanticId is the SAMM URN of its property, as IDTA's generated files give them, except the
status: ``LifeCycleStage`` with the ECLASS semanticId and the SAMM ``batteryStatus`` URN as its
supplemental semanticId, as the published Digital Nameplate 1.1 writes it. Part 2 (handover
documentation, aas_handover.py), Part 3 (carbon footprint, aas_carbon.py), Part 4 (technical data,
aas_technical.py), Part 6 (material composition, aas_materials.py) and Part 7 (circularity,
aas_circularity.py) are read and written beside it; a passport term none of them writes is listed
in ``Environment.not_written``. Part 7's ``DismantlingAndRemovalInformation`` names Part 2's
documents: it is listed as not mapped unless Part 2 read every document it names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from resolver import jsonld
from resolver.adapters import (
    aas_carbon,
    aas_circularity,
    aas_condition,
    aas_handover,
    aas_materials,
    aas_technical,
)
from resolver.adapters.dates import check_date, date_value
from resolver.errors import DocumentError
from resolver.jsontypes import JSONObject

__all__ = ["Environment", "Read", "convert_with_notes", "to_environment"]

NAMEPLATE = "urn:samm:io.admin-shell.idta.digital_nameplate:3.0.0#"
BATTERY_NAMEPLATE = "urn:samm:io.admin-shell.idta.batterypass.digital_nameplate:1.0.0#"
CONTACT = "urn:samm:io.admin-shell.idta.contact_information:1.0.0#"
SUBMODEL_SEMANTIC_ID = BATTERY_NAMEPLATE + "BatteryNameplate"
_STATUSES = {"original": "original", "repurposed": "repurposed", "reused": "re-used",
             "re-used": "re-used", "remanufactured": "remanufactured", "waste": "waste"}  # fmt: skip
_STATUS_OUT = {"original": "Original", "repurposed": "Repurposed", "re-used": "Reused",
               "remanufactured": "Remanufactured", "waste": "Waste"}  # fmt: skip
_ADDRESS = {"Street": "streetAddress", "ZipCode": "postalCode", "CityTown": "addressLocality",
            "NationalCode": "addressCountry"}  # fmt: skip
# IDTA-02035-1 1.1 as published names the battery status ``LifeCycleStage``: ECLASS 0173-1#02-ABL841#001,
# its supplemental semanticId the batteryStatus property. Earlier drafts said ``BatteryStatus``, which
# is still read; the writer follows the published 1.1.
_ALIASES = {"LifeCycleStage": "BatteryStatus"}
LIFE_CYCLE_STAGE = "0173-1#02-ABL841#001"
_WRITTEN = ("id", "serialNumber", "manufacturingDate", "manufacturer", "productName", "operator",
            "manufacturingPlace", "status")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Read:
    document: dict[str, object]
    unmapped: tuple[str, ...]
    # Part 5's dynamic data as lifecycle readings (compact form, POST /{id}/events): not passport data
    readings: tuple[JSONObject, ...] = ()


@dataclass(frozen=True, slots=True)
class Environment:
    document: dict[str, object]
    not_written: tuple[str, ...]


def _submodels(doc: object) -> list[Mapping[str, object]]:
    if isinstance(doc, dict) and isinstance(doc.get("submodels"), list):
        return [s for s in doc["submodels"] if isinstance(s, dict)]
    if isinstance(doc, dict) and doc.get("modelType") == "Submodel":
        return [doc]
    raise DocumentError("not AAS JSON: neither an environment with submodels nor a Submodel")


def _elements(container: Mapping[str, object], path: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(idShort path, element) for each element, collections walked (``value`` lists)."""
    children = container.get("submodelElements", container.get("value"))
    for index, element in enumerate(children if isinstance(children, list) else []):
        if not isinstance(element, dict):
            continue
        short = element.get("idShort")  # none inside a SubmodelElementList (AASd-120): its index
        where = f"{path}[{index}]" if not isinstance(short, str) else f"{path}.{short}" if path else short
        if element.get("modelType") in ("SubmodelElementCollection", "SubmodelElementList"):
            yield from _elements(element, where)
        else:
            yield where, element


def _text(element: Mapping[str, object]) -> str | None:
    value = element.get("value")
    if isinstance(value, str):
        return value or None
    if isinstance(value, list):  # a MultiLanguageProperty: [{"language", "text"}]
        texts = {str(v.get("language")): str(v.get("text")) for v in value if isinstance(v, dict)}
        return texts.get("en") or next(iter(texts.values()), None)
    return None


def convert_with_notes(doc: object, *, iri: str | None = None) -> Read:
    """The passport in an AAS battery nameplate; DocumentError for an impossible value."""
    values: dict[str, str] = {}
    unmapped: list[str] = []
    footprint: dict[str, object] = {}
    technical: aas_technical.Technical | None = None
    circular: dict[str, object] | None = None
    materials: dict[str, object] | None = None
    handover: aas_handover.Handover | None = None
    condition: aas_condition.Condition | None = None
    named: tuple[str, list[str]] = ("", [])  # Part 7's path and the Part 2 documents it names
    for index, submodel in enumerate(_submodels(doc)):
        name = str(submodel.get("idShort", f"submodels[{index}]"))
        if aas_condition.is_product_condition(submodel) and condition is None:
            condition = aas_condition.read(submodel, name)
            unmapped += condition.unmapped
            continue
        if aas_handover.is_handover(submodel) and handover is None:
            handover = aas_handover.read(submodel, name)
            unmapped += handover.unmapped
            continue
        if aas_carbon.is_carbon_footprint(submodel) and not footprint:
            footprint, left = aas_carbon.read(submodel, name)
            unmapped += left
            continue
        if aas_technical.is_technical_data(submodel) and technical is None:
            technical = aas_technical.read(submodel, name)
            unmapped += technical.unmapped
            continue
        if aas_circularity.is_circularity(submodel) and circular is None:
            circular, left = aas_circularity.read(submodel, name)
            unmapped += left
            named = (f"{name}.DismantlingAndRemovalInformation", aas_circularity.dismantling_ids(submodel))
            continue
        if aas_materials.is_material_composition(submodel) and materials is None:
            materials, left = aas_materials.read(submodel, name)
            unmapped += left
            continue
        for where, element in _elements(submodel, name):
            leaf = where.rsplit(".", 1)[-1]
            text = _text(element)
            leaf = _ALIASES.get(leaf, leaf)
            known = leaf in _ADDRESS or leaf in ("URIOfTheProduct", "SerialNumber", "DateOfManufacture",
                "ManufacturerName", "ManufacturerProductDesignation", "OperatorIdentifier",
                "UniqueFacilityIdentifier", "BatteryStatus")  # fmt: skip
            if text is None:
                continue  # no value: no data
            if known and leaf not in values:
                values[leaf] = text
                if leaf == "DateOfManufacture":
                    check_date(where, text)
            else:
                unmapped.append(where)
    passport = _passport(values, iri)
    if footprint:
        passport["carbonFootprint"] = footprint
    if technical is not None:
        unmapped += _with_technical(passport, technical)
    for term, value in {**(circular or {}), **(materials or {})}.items():
        passport.setdefault(term, value)
    if handover is not None and handover.documents:
        passport["dismantlingDocuments"] = list(handover.documents)
        if named[1] and set(named[1]) <= handover.identifiers:  # Part 7 names Part 2's documents
            unmapped.remove(named[0])
    return Read(passport, tuple(unmapped), condition.readings if condition is not None else ())


def _with_technical(passport: dict[str, object], technical: aas_technical.Technical) -> list[str]:
    """Part 4's terms added to the passport; its ManufacturerName is the nameplate's (taken when
    the nameplate has none; listed when it says another)."""
    for term, value in technical.terms.items():
        passport.setdefault(term, value)
    name = technical.manufacturer_name
    if name is None:
        return []
    manufacturer = passport.setdefault("manufacturer", {"type": "Organization"})
    if isinstance(manufacturer, dict) and manufacturer.setdefault("organizationName", name) == name:
        return []
    return ["TechnicalData.GeneralInformation.ManufacturerName (another name than the nameplate's)"]


def _passport(values: Mapping[str, str], iri: str | None) -> dict[str, object]:
    identifier = iri or values.get("URIOfTheProduct")
    if not identifier:
        raise DocumentError("URIOfTheProduct: missing, and no IRI was given")
    doc: dict[str, object] = {"@context": jsonld.CONTEXT_URL, "id": identifier, "type": "BatteryPassport"}
    if "SerialNumber" in values:
        doc["serialNumber"] = values["SerialNumber"]
    if "DateOfManufacture" in values:
        doc["manufacturingDate"] = date_value(values["DateOfManufacture"])
    if "ManufacturerProductDesignation" in values:
        doc["productName"] = values["ManufacturerProductDesignation"]
    manufacturer: dict[str, object] = {"type": "Organization"}
    if "ManufacturerName" in values:
        manufacturer["organizationName"] = values["ManufacturerName"]
    address = {term: values[short] for short, term in _ADDRESS.items() if short in values}
    if address:
        manufacturer["address"] = {"type": "PostalAddress", **address}
    if len(manufacturer) > 1:
        doc["manufacturer"] = manufacturer
    if "OperatorIdentifier" in values:
        doc["operator"] = {"type": "Operator", "operatorIdentifier": values["OperatorIdentifier"]}
    if "UniqueFacilityIdentifier" in values:
        doc["manufacturingPlace"] = {"facilityIdentifier": values["UniqueFacilityIdentifier"]}
    status = _STATUSES.get(values.get("BatteryStatus", "").lower())
    if status:
        doc["status"] = status
    return doc


def to_environment(doc: object) -> Environment:
    """An AAS environment with the battery nameplate submodel of one of our passports."""
    compact = jsonld.compact_expanded(jsonld.expand(doc))
    identifier = compact.get("id")
    if not isinstance(identifier, str):
        raise DocumentError("the passport has no id")
    elements = [_property("URIOfTheProduct", NAMEPLATE + "uriOfTheProduct", identifier)]
    for short, semantic, value in _nameplate_values(compact):
        elements.append(_property(short, semantic, value))
    manufacturer = compact.get("manufacturer")
    address = manufacturer.get("address") if isinstance(manufacturer, dict) else None
    if isinstance(address, dict):
        parts = [
            _mlp(short, CONTACT + short[:1].lower() + short[1:], str(address[term]))
            for short, term in _ADDRESS.items()
            if isinstance(address.get(term), str)
        ]
        if parts:
            elements.append(
                {
                    "modelType": "SubmodelElementCollection",
                    "idShort": "AddressInformation",
                    "semanticId": _reference(NAMEPLATE + "addressInformation"),
                    "value": parts,
                }
            )
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#BatteryNameplate",
        "idShort": "BatteryNameplate",
        "kind": "Instance",
        "semanticId": _reference(SUBMODEL_SEMANTIC_ID),
        "submodelElements": elements,
    }
    submodels: list[dict[str, object]] = [submodel]
    left: list[str] = []
    footprint = compact.get("carbonFootprint")
    if isinstance(footprint, dict):
        carbon, left = aas_carbon.write(footprint, identifier)
        submodels.append(carbon)
    technical, not_held = aas_technical.write(compact, identifier)
    if technical is not None:
        submodels.append(technical)
    circular, not_circular = aas_circularity.write(compact, identifier)
    if circular is not None:
        submodels.append(circular)
    materials, not_materials = aas_materials.write(compact, identifier)
    if materials is not None:
        submodels.append(materials)
    handover, not_handed = aas_handover.write(compact, identifier)
    if handover is not None:
        submodels.append(handover)
    shell = {
        "modelType": "AssetAdministrationShell",
        "id": identifier + "#aas",
        "idShort": "BatteryPassport",
        "assetInformation": {"assetKind": "Instance", "globalAssetId": identifier},
        "submodels": [
            {"type": "ModelReference", "keys": [{"type": "Submodel", "value": s["id"]}]} for s in submodels
        ],
    }
    written = {*_WRITTEN, *(("carbonFootprint",) if isinstance(footprint, dict) else ())}
    written |= set(aas_technical.WRITTEN) - set(not_held)
    written |= {term for term in (*aas_circularity.WRITTEN, *aas_materials.WRITTEN) if term in compact}
    written |= set(aas_handover.WRITTEN) if handover is not None else set()
    others = (k for k in compact if k not in written and not k.startswith("@") and k != "type")
    return Environment(
        {"assetAdministrationShells": [shell], "submodels": submodels},
        tuple(sorted({*others, *left, *not_circular, *not_materials, *not_handed})),
    )


def _nameplate_values(compact: Mapping[str, object]) -> Iterator[tuple[str, str, object]]:
    manufacturer = compact.get("manufacturer")
    made = compact.get("manufacturingDate")
    made = made.get("@value") if isinstance(made, dict) else made
    operator, place = compact.get("operator"), compact.get("manufacturingPlace")
    status = _STATUS_OUT.get(str(compact.get("status", "")))
    found: list[tuple[str, str, object]] = [
        ("SerialNumber", NAMEPLATE + "serialNumber", compact.get("serialNumber")),
        ("DateOfManufacture", NAMEPLATE + "dateOfManufacture", made),
        (
            "ManufacturerName",
            NAMEPLATE + "manufacturerName",
            manufacturer.get("organizationName") if isinstance(manufacturer, dict) else None,
        ),
        (
            "ManufacturerProductDesignation",
            NAMEPLATE + "manufacturerProductDesignation",
            compact.get("productName"),
        ),
        (
            "OperatorIdentifier",
            BATTERY_NAMEPLATE + "operatorIdentifier",
            operator.get("operatorIdentifier") if isinstance(operator, dict) else None,
        ),
        (
            "UniqueFacilityIdentifier",
            BATTERY_NAMEPLATE + "uniqueFacilityIdentifier",
            place.get("facilityIdentifier") if isinstance(place, dict) else None,
        ),
        ("LifeCycleStage", LIFE_CYCLE_STAGE, status),
    ]
    yield from ((short, semantic, value) for short, semantic, value in found if isinstance(value, str))


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _property(short: str, semantic_id: str, value: object) -> dict[str, object]:
    if short in ("ManufacturerName", "ManufacturerProductDesignation"):
        return _mlp(short, semantic_id, str(value))
    value_type = "xs:date" if short == "DateOfManufacture" and len(str(value)) == 10 else "xs:string"
    element: dict[str, object] = {
        "modelType": "Property",
        "idShort": short,
        "semanticId": _reference(semantic_id),
        "valueType": value_type,
        "value": str(value),
    }
    if short == "LifeCycleStage":  # as published in 1.1: the SAMM property beside the ECLASS one
        element["supplementalSemanticIds"] = [_reference(BATTERY_NAMEPLATE + "batteryStatus")]
    return element


def _mlp(short: str, semantic_id: str, text: str) -> dict[str, object]:
    return {
        "modelType": "MultiLanguageProperty",
        "idShort": short,
        "semanticId": _reference(semantic_id),
        "value": [{"language": "en", "text": text}],
    }
