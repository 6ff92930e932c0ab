"""Battery Pass aspects other than GeneralProductInformation (CarbonFootprint, Circularity,
Labels, SupplyChainDueDiligence; data model 1.2): each field read to its term, what has no term
listed, impossible values refused with their path, alone or under their keys beside the others,
and in -> out -> in giving the same graph (less what the writer names as not written)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import batterypass, batterypass_out
from resolver.adapters.formats import convert
from resolver.errors import DocumentError
from resolver.passport.canonical import canonical_nquads

DATA = Path(__file__).parent / "data"
ITEM = "https://id.gs1.org/01/09521234000013/21/BP-0001"
# Field names from the consortium's SAMM models (io.BatteryPass.*, 1.2.0); the values are our own.
FILES = {
    "carbonFootprint": "batterypass-carbon-footprint.json",
    "circularity": "batterypass-circularity.json",
    "labels": "batterypass-labels.json",
    "supplyChainDueDiligence": "batterypass-supply-chain-due-diligence.json",
}


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads((DATA / name).read_bytes())
    return loaded


def _all() -> dict[str, Any]:
    payload = {"generalProductInformation": _load("batterypass-general-product-information.json")}
    payload.update({key: _load(name) for key, name in FILES.items()})
    return payload


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


KWH = "kgCO2e/kWh"
EXPECTED: dict[str, tuple[dict[str, object], set[str]]] = {
    "carbonFootprint": (
        {
            "carbonFootprint": {
                "total": {"value": 64.0, "unit": KWH},
                "rawMaterialAcquisition": {"value": 42.1, "unit": KWH},
                "mainProduction": {"value": 18.3, "unit": KWH},
                "distribution": {"value": 1.2, "unit": KWH},
                "endOfLife": {"value": 2.4, "unit": KWH},
                "performanceClass": "classB",
                "studyUrl": "https://zellwerk.example/cf/bp-0001",
            }
        },
        {"absoluteCarbonFootprint"},
    ),
    "circularity": (
        {
            "dismantlingDocuments": [
                {
                    "documentType": "dismantlingManual",
                    "documentUrl": "https://zellwerk.example/rr/dismantling.pdf",
                },
                {
                    "documentType": "explodedDrawing",
                    "documentUrl": "https://zellwerk.example/rr/exploded.pdf",
                },
            ],
            "sparePartSources": [
                {
                    "organizationName": "Zellwerk Service GmbH",
                    "address": {
                        "streetAddress": "Ersatzteilweg 3",
                        "postalCode": "70173",
                        "addressCountry": "DE",
                    },
                    "contactPoint": {
                        "email": "spares@zellwerk.example",
                        "url": "https://zellwerk.example/spares",
                    },
                }
            ],
            "sparePartNumbers": ["ZW-BMS-0007", "ZW-MOD-0012"],
            "recycledContent": {"recycledCobaltShare": 16.0, "recycledNickelShare": 6.5},
            "extinguishingAgent": ["Water in large quantities", "Class D powder"],
            "wastePreventionInfo": "https://zellwerk.example/eol/prevention",
            "separateCollectionInfo": "https://zellwerk.example/eol/separate-collection",
            "collectionInfo": "https://zellwerk.example/eol/take-back",
            "renewableContentShare": 2.5,
        },
        {
            "dismantlingAndRemovalInformation.mimeType",
            "sparePartSources.components.partName",
            "safetyMeasures.safetyInstructions",
            # the lithium entry gives one share of two: never taken as the whole
            "recycledContent[2].recycledMaterial",
            "recycledContent[2].preConsumerShare",
        },
    ),
    "labels": (
        {
            "declarationOfConformity": "https://zellwerk.example/doc/bp-0001-eu-doc.pdf",
            "testReports": ["https://zellwerk.example/authority/test-report-2026-01.pdf"],
            "separateCollectionSymbol": "https://zellwerk.example/labels/wheeled-bin.svg",
            "labels": [
                {
                    "labelSymbol": "https://zellwerk.example/labels/cf-class-b.svg",
                    "labelMeaning": "Carbon footprint performance class B",
                }
            ],
        },
        {"labels[1].labelingMeaning.de", "labels[1].labelingSubject"},
    ),
    "supplyChainDueDiligence": (
        {"dueDiligence": {"reportUrl": "https://zellwerk.example/due-diligence/2026.pdf"}},
        {"thirdPartyAussurances", "supplyChainIndicies"},
    ),
}


@pytest.mark.parametrize("key", sorted(FILES))
def test_an_aspect_alone_reads_each_field_and_lists_the_rest(key: str) -> None:
    converted = batterypass.convert_with_notes(_load(FILES[key]), iri=ITEM)
    terms, unmapped = EXPECTED[key]
    assert {k: v for k, v in converted.document.items() if k not in ("@context", "id", "type")} == terms
    assert converted.document["id"] == ITEM
    assert set(converted.unmapped) == unmapped
    jsonld.expand(converted.document)  # every term is one of our context's


@pytest.mark.parametrize("key", sorted(FILES))
def test_an_aspect_alone_names_no_battery(key: str) -> None:
    with pytest.raises(DocumentError, match=r"^productIdentifier: missing, and no IRI was given"):
        batterypass.convert_with_notes(_load(FILES[key]))


def test_all_aspects_under_their_keys_read_into_one_passport() -> None:
    converted = batterypass.convert_with_notes(_all())
    assert converted.document["id"] == ITEM and converted.document["category"] == "industrial"
    for key, (terms, unmapped) in EXPECTED.items():
        for term, value in terms.items():
            assert converted.document[term] == value, term
        assert {f"{key}.{path}" for path in unmapped} <= set(converted.unmapped)
    assert "generalProductInformation.warrentyPeriod" in converted.unmapped
    # auto-detection and UTF-16, as the consortium's tools write it
    body = convert("batterypass", orjson.dumps(_all()).decode().encode("utf-16"))
    assert _graph(orjson.loads(body.body)) == _graph(converted.document)


def test_in_out_in_gives_the_same_graph_less_what_is_named() -> None:
    first = batterypass.convert_with_notes(_all())
    written = batterypass_out.to_payload(first.document)
    assert written.not_written == ("recycledContent",)  # the aspect wants it split by waste kind
    assert set(written.document) == {"generalProductInformation", *FILES}
    again = batterypass.convert_with_notes(orjson.loads(orjson.dumps(written.document)))
    expected = {term: value for term, value in first.document.items() if term != "recycledContent"}
    assert _graph(again.document) == _graph(expected)
    # the aspects' fields the first reading listed are not written, so nothing is listed now
    assert again.unmapped == ()
    labels = written.document["labels"]
    assert isinstance(labels, dict)
    assert labels["labels"][1]["labelingMeaning"] == {"en": "Carbon footprint performance class B"}
    assert labels["labels"][0] == {
        "labelingSymbol": "https://zellwerk.example/labels/wheeled-bin.svg",
        "labelingSubject": "SeparateCollection",
    }


@pytest.mark.parametrize("key", sorted(FILES))
def test_each_aspect_out_and_in_alone(key: str) -> None:
    first = batterypass.convert_with_notes(_load(FILES[key]), iri=ITEM)
    written = batterypass_out.to_payload(first.document)
    aspect = written.document[key]
    again = batterypass.convert_with_notes(orjson.loads(orjson.dumps(aspect)), iri=ITEM)
    named = set(written.not_written)
    expected = {term: value for term, value in first.document.items() if term not in named}
    assert _graph(again.document) == _graph(expected)


_IMPOSSIBLE = [
    (
        "carbonFootprint",
        ["batteryCarbonFootprint"],
        "64 kg",
        "batteryCarbonFootprint: '64 kg' is not a number",
    ),
    (
        "carbonFootprint",
        ["carbonFootprintPerLifecycleStage", 1, "lifecycleStage"],
        "Usage",
        "carbonFootprintPerLifecycleStage[1].lifecycleStage: 'Usage' is not one of Distribution, "
        "MainProduction, RawMaterialExtraction, Recycling",
    ),
    (
        "carbonFootprint",
        ["carbonFootprintPerLifecycleStage", 2, "lifecycleStage"],
        "RawMaterialExtraction",
        "carbonFootprintPerLifecycleStage[2].lifecycleStage: 'RawMaterialExtraction' is given twice",
    ),
    (
        "carbonFootprint",
        ["carbonFootprintPerLifecycleStage", 0, "carbonFootprint"],
        float("nan"),
        "carbonFootprintPerLifecycleStage[0].carbonFootprint: nan is not a number",
    ),
    (
        "circularity",
        ["dismantlingAndRemovalInformation", 0, "documentType"],
        "Brochure",
        "dismantlingAndRemovalInformation[0].documentType: 'Brochure' is not one of BillOfMaterial, "
        "DismantlingManual, Drawing, Model3D, OtherManual, RemovalManual",
    ),
    (
        "circularity",
        ["recycledContent", 1, "postConsumerShare"],
        True,
        "recycledContent[1].postConsumerShare: True is not a number",
    ),
    (
        "circularity",
        ["recycledContent", 0, "recycledMaterial"],
        "Copper",
        "recycledContent[0].recycledMaterial: 'Copper' is not one of Cobalt, Lead, Lithium, Nickel",
    ),
    ("circularity", ["renewableContent"], "2.5 %", "renewableContent: '2.5 %' is not a number"),
    (
        "circularity",
        ["safetyMeasures", "extinguishingAgent"],
        "Water",
        "safetyMeasures.extinguishingAgent: 'Water' is not a list of texts",
    ),
    (
        "circularity",
        ["sparePartSources", 0, "components", 1, "partNumber"],
        {"id": 12},
        r"sparePartSources[0].components[1].partNumber: {'id': 12} is not text",
    ),
    (
        "labels",
        ["labels", 1, "labelingSubject"],
        "Recycling",
        "labels[1].labelingSubject: 'Recycling' is not one of CarbonFootPrint, ExtinguishingAgent, "
        "HazardousMaterial, SeparateCollection",
    ),
    (
        "labels",
        ["labels", 1, "labelingMeaning"],
        {"en": 3},
        "labels[1].labelingMeaning: {'en': 3} is not a text per language",
    ),
    (
        "supplyChainDueDiligence",
        ["supplyChainDueDiligenceReport"],
        ["https://a.example"],
        r"supplyChainDueDiligenceReport: ['https://a.example'] is not text",
    ),
]


@pytest.mark.parametrize(("key", "path", "value", "message"), _IMPOSSIBLE)
def test_impossible_values_are_refused_with_their_path(
    key: str, path: list[Any], value: object, message: str
) -> None:
    aspect = copy.deepcopy(_load(FILES[key]))
    node: Any = aspect
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    with pytest.raises(DocumentError, match="^" + re.escape(message) + "$"):
        batterypass.convert_with_notes(aspect, iri=ITEM)
    payload = _all()
    payload[key] = aspect
    with pytest.raises(DocumentError, match="^" + re.escape(f"{key}.{message}") + "$"):
        batterypass.convert_with_notes(payload)


def test_what_our_terms_hold_that_the_aspects_cannot_is_named() -> None:
    passport = batterypass.convert_with_notes(_all()).document
    passport["carbonFootprint"]["distribution"]["unit"] = "kgCO2e"  # type: ignore[index]
    passport["testReports"] = ["https://a.example/1.pdf", "https://a.example/2.pdf"]
    passport["cadmiumSymbol"] = False
    passport["safetyMeasures"] = ["Wear insulating gloves"]
    passport["dismantlingDocuments"] = [
        {"documentType": "safetyDataSheet", "documentUrl": "https://a.example/sds"}
    ]
    passport["sparePartSources"][0]["contactPoint"]["telephone"] = "+49 711 0"  # type: ignore[index]
    named = set(batterypass_out.to_payload(passport).not_written)
    assert {
        "carbonFootprint.distribution",
        "testReports",
        "cadmiumSymbol",
        "safetyMeasures",
        "dismantlingDocuments",
        "sparePartSources.contactPoint.telephone",
    } <= named
