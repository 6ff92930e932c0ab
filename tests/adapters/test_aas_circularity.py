"""AAS Part 7, Circularity (IDTA-02035-7 1.0.2): the template's idShorts in and out of our
circularity terms; recycled content read as the sum of the pre- and post-consumer shares; what
is not ours listed; a value that is no number refused with its path. The submodels are built
here with the published template's idShorts (the template file, CC BY 4.0, is not shipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import aas, aas_circularity
from resolver.errors import DocumentError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


def _prop(short: str | None, value: object) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "Property", "valueType": "xs:string", "value": value}
    if short is not None:
        element["idShort"] = short
    return element


def _mlp(short: str, text: str) -> dict[str, Any]:
    return {
        "modelType": "MultiLanguageProperty",
        "idShort": short,
        "value": [{"language": "en", "text": text}],
    }


def _smc(short: str | None, *elements: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "SubmodelElementCollection", "value": list(elements)}
    if short is not None:
        element["idShort"] = short
    return element


def _sml(short: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"modelType": "SubmodelElementList", "idShort": short, "value": list(elements)}


def _circularity(renewable: str = "2.5", pre: str = "10") -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "idShort": "Circularity",
        "semanticId": {"type": "ExternalReference", "keys": [
            {"type": "GlobalReference", "value": aas_circularity.SEMANTIC_ID}]},
        "submodelElements": [
            _sml("DismantlingAndRemovalInformation", _prop(None, "DOC-DISMANTLING-1")),
            _sml("SparePartSources", _smc(
                None,
                _mlp("NameOfSupplier", "Voltaris Service GmbH"),
                _smc("AddressOfSupplier", _mlp("NationalCode", "DE"), _mlp("PostalCode", "38440"),
                     _mlp("Street", "Akkuweg 12")),
                _smc("EmailAddressOfSupplier", _prop("EmailAddress", "spares@voltaris.example"),
                     _prop("TypeOfEmailAddress", "office")),
                _prop("SupplierWebAddress", "https://voltaris.example/spares"),
                _sml("Components",
                     _smc(None, _prop("PartName", "BMS"), _prop("PartNumber", "VX82-BMS-0007"))),
            )),
            _sml("RecycledContentInformation",
                 _smc(None, _prop("PreConsumerShare", pre), _prop("RecycledMaterial", "Cobalt"),
                      _prop("PostConsumerShare", "6")),
                 _smc(None, _prop("RecycledMaterial", "Lithium"), _prop("PostConsumerShare", "6")),
                 _smc(None, _prop("PreConsumerShare", "1"), _prop("RecycledMaterial", "Manganese"),
                      _prop("PostConsumerShare", "1"))),
            _smc("SafetyMeasures", _sml("SafetyInstructions", _prop(None, "DOC-SAFETY-1")),
                 _sml("ExtinguishingAgents", _prop(None, "Water"), _prop(None, "Class D powder"))),
            _smc("EndOfLifeInformation",
                 _sml("WastePrevention", _prop(None, "https://voltaris.example/eol/prevention"),
                      _prop(None, "https://voltaris.example/eol/prevention-de")),
                 _sml("SeparateCollection", _prop(None, "https://voltaris.example/eol/separate")),
                 _sml("InformationOnCollection", _prop(None, "https://voltaris.example/eol/take-back"))),
            _prop("RenewableContent", renewable),
        ],
    }  # fmt: skip


def _read(submodel: dict[str, Any]) -> aas.Read:
    nameplate = {"modelType": "Submodel", "idShort": "BatteryNameplate",
                 "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip
    return aas.convert_with_notes({"submodels": [nameplate, submodel]})


def test_the_templates_elements_are_read() -> None:
    read = _read(_circularity())
    doc = read.document
    assert doc["renewableContentShare"] == 2.5
    assert doc["recycledContent"] == {"recycledCobaltShare": 16}  # 10 pre- + 6 post-consumer
    assert doc["extinguishingAgent"] == ["Water", "Class D powder"]
    assert doc["wastePreventionInfo"] == "https://voltaris.example/eol/prevention"
    assert doc["separateCollectionInfo"] == "https://voltaris.example/eol/separate"
    assert doc["collectionInfo"] == "https://voltaris.example/eol/take-back"
    assert doc["sparePartSources"] == {
        "organizationName": "Voltaris Service GmbH",
        "address": {"addressCountry": "DE", "postalCode": "38440", "streetAddress": "Akkuweg 12"},
        "contactPoint": {"email": "spares@voltaris.example", "url": "https://voltaris.example/spares"},
    }
    assert doc["sparePartNumbers"] == ["VX82-BMS-0007"]
    assert set(read.unmapped) == {
        "Circularity.DismantlingAndRemovalInformation",
        "Circularity.SparePartSources[0].EmailAddressOfSupplier.TypeOfEmailAddress",
        "Circularity.SparePartSources[0].Components[0].PartName",
        "Circularity.RecycledContentInformation[1] (one of the pre- and post-consumer shares: the passport "
        "holds their sum)",
        "Circularity.RecycledContentInformation[2] ('Manganese': the passport records cobalt, lithium, "
        "nickel and lead)",
        "Circularity.SafetyMeasures.SafetyInstructions",
        "Circularity.EndOfLifeInformation.WastePrevention[1]",
    }


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"renewable": "lots"}, "Circularity.RenewableContent: 'lots' is not a number"),
        ({"pre": "ten"}, "Circularity.RecycledContentInformation[0].PreConsumerShare: 'ten' is not a number"),
    ],
)
def test_a_value_that_is_no_number_is_refused_with_its_path(changes: dict[str, str], said: str) -> None:
    with pytest.raises(DocumentError) as caught:
        _read(_circularity(**changes))
    assert caught.value.detail == said


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_and_in_gives_the_same_circularity_terms(example: Path) -> None:
    doc = orjson.loads(example.read_bytes())
    environment = aas.to_environment(doc)
    read = aas.convert_with_notes(environment.document)
    assert aas.to_environment(read.document).document == environment.document
    for term in aas_circularity.WRITTEN:
        if term in doc and not any(name.startswith(term) for name in environment.not_written):
            assert read.document[term] == doc[term], term  # 1 == 1.0: the same number
    assert not [field for field in read.unmapped if field.startswith("Circularity")]


def test_what_the_template_cannot_hold_is_named() -> None:
    doc = orjson.loads((ROOT / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    environment = aas.to_environment(doc)
    submodels: list[dict[str, Any]] = environment.document["submodels"]  # type: ignore[assignment]
    [circularity] = [s for s in submodels if s["idShort"] == "Circularity"]
    shorts = [element["idShort"] for element in circularity["submodelElements"]]
    assert shorts == ["DismantlingAndRemovalInformation", "SparePartSources", "SafetyMeasures",
                      "EndOfLifeInformation", "RenewableContent"]  # fmt: skip
    # the dismantling documents are Part 2's, which Part 7 names by their identifiers (addresses)
    assert [item["value"] for item in circularity["submodelElements"][0]["value"]] == [
        document["documentUrl"] for document in doc["dismantlingDocuments"]
    ]
    assert "dismantlingDocuments" not in environment.not_written
    assert {
        "recycledContent",  # the passport holds the sum, the template the pre-/post-consumer split
        "safetyMeasures",  # instruction texts, the template's are document ids
        "sparePartNumbers",  # the template asks each component's name too
        "sparePartSources.contactPoint.telephone",
    } <= set(environment.not_written)
    assert "renewableContentShare" not in environment.not_written
    assert "extinguishingAgent" not in environment.not_written
