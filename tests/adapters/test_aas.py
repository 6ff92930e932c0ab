"""AAS (IDTA-02035-1 Digital Battery Passport, Part 1 Digital Nameplate): in, out and in again
gives the same graph; elements read by idShort; impossible dates refused with their path; the
rest listed (in: not mapped; out: not written)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import aas
from resolver.adapters.formats import convert, export
from resolver.errors import DocumentError
from resolver.passport.canonical import canonical_nquads

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
NP = "urn:samm:io.admin-shell.idta.digital_nameplate:3.0.0#"


def _ref(value: str) -> dict[str, Any]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": value}]}


# An environment written to the published nameplate idShorts (values our own).
ENVIRONMENT: dict[str, Any] = {
    "submodels": [
        {
            "modelType": "Submodel",
            "id": "urn:example:sm:1",
            "idShort": "Nameplate",
            "submodelElements": [
                {
                    "modelType": "Property",
                    "idShort": "URIOfTheProduct",
                    "semanticId": _ref(NP + "uriOfTheProduct"),
                    "valueType": "xs:string",
                    "value": "https://id.gs1.org/01/09521234000013/21/AAS-1",
                },
                {
                    "modelType": "MultiLanguageProperty",
                    "idShort": "ManufacturerName",
                    "value": [
                        {"language": "de", "text": "Zellwerk GmbH"},
                        {"language": "en", "text": "Zellwerk Ltd"},
                    ],
                },
                {
                    "modelType": "Property",
                    "idShort": "SerialNumber",
                    "valueType": "xs:string",
                    "value": "AAS-1",
                },
                {
                    "modelType": "Property",
                    "idShort": "DateOfManufacture",
                    "valueType": "xs:string",
                    "value": "2026-03",
                },
                {
                    "modelType": "Property",
                    "idShort": "BatteryStatus",
                    "valueType": "xs:string",
                    "value": "Reused",
                },
                {
                    "modelType": "SubmodelElementList",
                    "idShort": "Markings",
                    "value": [
                        {
                            "modelType": "SubmodelElementCollection",
                            "idShort": "Marking",
                            "value": [
                                {
                                    "modelType": "Property",
                                    "idShort": "MarkingName",
                                    "valueType": "xs:string",
                                    "value": "CE",
                                }
                            ],
                        }
                    ],
                },
            ],
        }
    ]
}


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


def test_out_in_out_in_gives_the_same_graph_and_environment() -> None:
    example = orjson.loads(EXAMPLE.read_bytes())
    first = aas.to_environment(example)
    assert "recycledContent" in first.not_written and "serialNumber" not in first.not_written
    assert "carbonFootprint" not in first.not_written  # Part 3 (tests/adapters/test_aas_carbon.py)
    read = aas.convert_with_notes(orjson.loads(orjson.dumps(first.document)))
    assert read.unmapped == ()
    again = aas.convert_with_notes(aas.to_environment(read.document).document)
    assert _graph(again.document) == _graph(read.document)
    assert aas.to_environment(again.document).document == first.document
    assert read.document["serialNumber"] == example["serialNumber"]
    manufacturer = read.document["manufacturer"]
    assert isinstance(manufacturer, dict) and manufacturer["address"]["postalCode"] == "38440"


def test_elements_map_by_id_short_and_the_rest_is_listed() -> None:
    read = aas.convert_with_notes(copy.deepcopy(ENVIRONMENT))
    doc = read.document
    assert doc["id"] == "https://id.gs1.org/01/09521234000013/21/AAS-1"
    assert doc["manufacturer"] == {"type": "Organization", "organizationName": "Zellwerk Ltd"}
    assert doc["manufacturingDate"] == {"@value": "2026-03", "@type": "xsd:gYearMonth"}
    assert doc["status"] == "re-used"
    assert read.unmapped == ("Nameplate.Markings.Marking.MarkingName",)
    assert _graph(doc)
    # through the import table too
    assert orjson.loads(convert("aas", orjson.dumps(ENVIRONMENT)).body) == doc


def test_an_impossible_date_is_refused_with_its_path() -> None:
    environment = copy.deepcopy(ENVIRONMENT)
    environment["submodels"][0]["submodelElements"][3]["value"] = "1538-20-83"
    with pytest.raises(
        DocumentError, match=r"^Nameplate\.DateOfManufacture: '1538-20-83' is not a possible date \(month 20"
    ):
        aas.convert_with_notes(environment)


def test_other_json_is_refused() -> None:
    with pytest.raises(DocumentError, match="not AAS JSON"):
        aas.convert_with_notes({"submodel": []})
    with pytest.raises(DocumentError, match="URIOfTheProduct: missing"):
        aas.convert_with_notes({"submodels": [{"modelType": "Submodel", "submodelElements": []}]})


def test_export_format_aas_writes_an_environment() -> None:
    environment = orjson.loads(export("aas", EXAMPLE.read_bytes()).body)
    submodel, carbon, technical, circularity, materials, handover = environment["submodels"]
    assert submodel["semanticId"]["keys"][0]["value"].endswith("#BatteryNameplate")
    assert carbon["idShort"] == "CarbonFootprint"
    assert technical["idShort"] == "TechnicalData" and circularity["idShort"] == "Circularity"
    assert materials["idShort"] == "MaterialComposition" and handover["idShort"] == "HandoverDocumentation"
    shorts = [element["idShort"] for element in submodel["submodelElements"]]
    assert shorts[:3] == ["URIOfTheProduct", "SerialNumber", "DateOfManufacture"]


def _published_status() -> dict[str, Any]:
    """The status element of IDTA's published Digital Nameplate 1.1 (tests/adapters/data)."""
    name = "idta-02035-1-digital-nameplate-1.1-excerpt.json"
    published = orjson.loads((Path(__file__).parent / "data" / name).read_bytes())
    found: list[dict[str, Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("idShort") == "LifeCycleStage":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(published)
    [element] = found
    return element


def test_the_status_is_written_as_the_published_1_1_names_it() -> None:
    published = _published_status()
    environment = orjson.loads(export("aas", EXAMPLE.read_bytes()).body)
    elements = environment["submodels"][0]["submodelElements"]
    [written] = [element for element in elements if element["idShort"] == "LifeCycleStage"]
    same = ("idShort", "semanticId", "supplementalSemanticIds", "valueType", "modelType")
    assert {key: written[key] for key in same} == {key: published[key] for key in same}
    assert not any(element["idShort"] == "BatteryStatus" for element in elements)


EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_keeps_its_status_out_and_in(example: Path) -> None:
    passport = orjson.loads(example.read_bytes())
    read = orjson.loads(convert("aas", export("aas", example.read_bytes()).body).body)
    assert read.get("status") == jsonld.compact(jsonld.expand(passport)).get("status")
    assert "status" not in aas.to_environment(passport).not_written


def test_the_drafts_battery_status_is_still_read() -> None:
    environment = copy.deepcopy(ENVIRONMENT)  # BatteryStatus, as earlier drafts name it
    assert aas.convert_with_notes(environment).document["status"] == "re-used"
    for element in environment["submodels"][0]["submodelElements"]:
        if element["idShort"] == "BatteryStatus":
            element["idShort"] = "LifeCycleStage"
    assert aas.convert_with_notes(environment).document["status"] == "re-used"
