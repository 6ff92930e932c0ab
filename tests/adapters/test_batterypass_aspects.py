"""Battery Pass aspects other than GeneralProductInformation (CarbonFootprint, Circularity,
MaterialComposition, PerformanceAndDurability, Labels, SupplyChainDueDiligence; data model 1.2):
each field read to its term, what has no term listed, impossible values refused with their path,
alone or under their keys beside the others, and in -> out -> in giving the same graph (less
what the writer names as not written)."""

from __future__ import annotations

import copy
import json
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
from tests.support.cli import passport_node

DATA = Path(__file__).parent / "data"
ITEM = "https://id.gs1.org/01/09521234000013/21/BP-0001"
# Field names from the consortium's SAMM models (io.BatteryPass.*, 1.2.0); the values are our own.
FILES = {
    "carbonFootprint": "batterypass-carbon-footprint.json",
    "circularity": "batterypass-circularity.json",
    "labels": "batterypass-labels.json",
    "materialComposition": "batterypass-material-composition.json",
    "performance": "batterypass-performance.json",
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
    "materialComposition": (
        {
            "chemistry": "NMC811",
            "hazardousSubstances": [
                {
                    "name": "Lithium hexafluorophosphate",
                    "casNumber": "21324-40-3",
                    "concentration": 1.2,
                    "location": "electrolyte",
                }
            ],
            "criticalRawMaterials": ["Cobalt", "Natural graphite"],
        },
        {
            "batteryChemistry.clearName",
            "hazardousSubstances.hazardousSubstanceClass",
            "hazardousSubstances.hazardousSubstanceImpact",
            "hazardousSubstances.hazardousSubstanceLocation.componentId",
            *(
                f"batteryMaterials[{index}].{field}"
                for index in range(3)
                for field in ("batteryMaterialLocation", "batteryMaterialIdentifier", "batteryMaterialMass")
            ),
            # aluminium is not a critical raw material: the passport lists only those
            "batteryMaterials[2].batteryMaterialName",
            "batteryMaterials[2].isCriticalRawMaterial",
        },
    ),
    "performance": (
        {
            "maximumPermittedPower": {"value": 42.0, "unit": "KWT"},
            "ratedCapacity": {"value": 180.0, "unit": "AMH"},
            "nominalVoltage": {"value": 467.2, "unit": "VLT"},
            "minimumVoltage": {"value": 400.0, "unit": "VLT"},
            "maximumVoltage": {"value": 540.0, "unit": "VLT"},
            "expectedLifetimeCycles": 4000,
            "expectedLifetimeYears": 15,
            "initialRoundTripEfficiency": 95.0,
            "capacityThresholdForExhaustion": 60.0,
            "cycleLifeTestCRate": 0.5,
            "roundTripEfficiencyAt50PercentCycleLife": 93.5,
            "roundTripEfficiencyFade": {"value": 1.2, "unit": "P1"},
            "powerFade": {"value": 2.0, "unit": "P1"},
            "lifetimeReferenceTest": "https://zellwerk.example/tests/cycle-life-iec-62620.pdf",
            "idleTemperatureRange": {
                "minimumTemperature": {"value": -20.0, "unit": "CEL"},
                "maximumTemperature": {"value": 55.0, "unit": "CEL"},
            },
            "initialInternalResistance": {"value": 0.062, "unit": "OHM"},
            "cycleCount": 142,
            "stateOfCertifiedEnergy": {"value": 98.4, "unit": "P1"},
            "capacityFade": {"value": 1.6, "unit": "P1"},
            "selfDischargeRate": {"value": 1.6, "unit": "P1"},
            "remainingRoundTripEfficiency": {"value": 94.2, "unit": "P1"},
            "stateOfCharge": {"value": 64.0, "unit": "P1"},
            "internalResistanceIncrease": {"value": 3.1, "unit": "P1"},
            "timeAboveTemperatureBoundary": 340,
        },
        {
            *(
                f"batteryTechicalProperties.{field}"
                for field in (
                    "originalPowerCapability.atSoC",
                    "originalPowerCapability.powerCapabilityAt",
                    "powerCapabilityRatio",
                    "ratedEnergy",
                    "initialSelfDischarge",
                    "cRate",
                    "initialInternalResistance[1].ohmicResistance",  # a cell's
                    "initialInternalResistance[1].batteryComponent",
                )
            ),
            *(
                f"batteryCondition.{field}"
                for field in (
                    "energyThroughput.energyThroughputValue",
                    "capacityThroughput.capacityThroughputValue",
                    "remainingEnergy.remainingEnergyValue",
                    "remainingCapacity.remainingCapacityValue",  # kWh in the model, Ah ours
                    "negativeEvents.negativeEvent",
                    "temperatureInformation.timeExtremeLowTemp",  # 12.5 minutes: ours are whole
                    "temperatureInformation.timeExtremeHighTempCharging",
                    "temperatureInformation.timeExtremeLowTempCharging",
                    "remainingPowerCapability.remainingPowerCapabilityValue.atSoC",
                    "remainingPowerCapability.remainingPowerCapabilityValue.powerCapabilityAt",
                    "remainingPowerCapability.remainingPowerCapabilityValue.rPCLastUpdated",
                    "evolutionOfSelfDischarge.evolutionOfSelfDischargeValue",
                )
            ),
            *(
                f"batteryCondition.{entity}.lastUpdate"
                for entity in (
                    "energyThroughput",
                    "capacityThroughput",
                    "numberOfFullCycles",
                    "stateOfCertifiedEnergy",
                    "capacityFade",
                    "remainingEnergy",
                    "remainingCapacity",
                    "negativeEvents",
                    "temperatureInformation",
                    "remainingPowerCapability",
                    "evolutionOfSelfDischarge",
                    "currentSelfDischargingRate",
                    "internalResistanceIncrease",
                    "remainingRoundTripEnergyEfficiency",
                    "stateOfCharge",
                )
            ),
        },
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
        "materialComposition",
        ["hazardousSubstances", 0, "hazardousSubstanceIdentifier"],
        "21324-40",
        "hazardousSubstances[0].hazardousSubstanceIdentifier: '21324-40' is not a CAS number "
        "(such as 7439-93-2)",
    ),
    (
        "materialComposition",
        ["batteryMaterials", 2, "batteryMaterialIdentifier"],
        "aluminium",
        "batteryMaterials[2].batteryMaterialIdentifier: 'aluminium' is not a CAS number (such as 7439-93-2)",
    ),
    (
        "materialComposition",
        ["hazardousSubstances", 0, "hazardousSubstanceClass"],
        "Flammable",
        "hazardousSubstances[0].hazardousSubstanceClass: 'Flammable' is not one of AcuteToxicity, "
        "EyeDamageOrIrritation, SkinCorrosionOrIrritation",
    ),
    (
        "materialComposition",
        ["batteryMaterials", 0, "isCriticalRawMaterial"],
        "yes",
        "batteryMaterials[0].isCriticalRawMaterial: 'yes' is not true or false",
    ),
    (
        "materialComposition",
        ["batteryMaterials", 1, "batteryMaterialMass"],
        "38 kg",
        "batteryMaterials[1].batteryMaterialMass: '38 kg' is not a number",
    ),
    (
        "materialComposition",
        ["hazardousSubstances", 0, "hazardousSubstanceConcentration"],
        "1.2 %",
        "hazardousSubstances[0].hazardousSubstanceConcentration: '1.2 %' is not a number",
    ),
    (
        "performance",
        ["batteryTechicalProperties", "initialInternalResistance", 1, "batteryComponent"],
        "rack",
        "batteryTechicalProperties.initialInternalResistance[1].batteryComponent: 'rack' is not one of cell, "
        "module, pack",
    ),
    (
        "performance",
        ["batteryTechicalProperties", "initialInternalResistance", 1, "batteryComponent"],
        "pack",
        "batteryTechicalProperties.initialInternalResistance[1].batteryComponent: 'pack' is given twice",
    ),
    (
        "performance",
        ["batteryTechicalProperties", "expectedNumberOfCycles"],
        4000.5,
        "batteryTechicalProperties.expectedNumberOfCycles: 4000.5 is not a whole number",
    ),
    (
        "performance",
        ["batteryTechicalProperties", "ratedCapacity"],
        "180 Ah",
        "batteryTechicalProperties.ratedCapacity: '180 Ah' is not a number",
    ),
    (
        "performance",
        ["batteryCondition", "stateOfCharge", "stateOfChargeValue"],
        float("inf"),
        "batteryCondition.stateOfCharge.stateOfChargeValue: inf is not a number",
    ),
    (
        "performance",
        ["batteryCondition", "numberOfFullCycles"],
        142,
        "batteryCondition.numberOfFullCycles: 142 is not an object",
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
    passport["ratedCapacity"] = {"value": 180000, "unit": "MAH"}  # no factor: named, not guessed
    passport["initialInternalResistance"] = {"value": 62, "unit": "E45"}  # milliohm: converted
    passport["testReports"] = ["https://a.example/1.pdf", "https://a.example/2.pdf"]
    passport["cadmiumSymbol"] = False
    passport["safetyMeasures"] = ["Wear insulating gloves"]
    passport["dismantlingDocuments"] = [
        {"documentType": "safetyDataSheet", "documentUrl": "https://a.example/sds"}
    ]
    passport["sparePartSources"][0]["contactPoint"]["telephone"] = "+49 711 0"  # type: ignore[index]
    written = batterypass_out.to_payload(passport)
    named = set(written.not_written)
    technical = written.document["performance"]["batteryTechicalProperties"]  # type: ignore[index]
    assert technical["initialInternalResistance"] == [{"ohmicResistance": 0.062, "batteryComponent": "pack"}]
    assert "initialInternalResistance" not in named
    assert {
        "ratedCapacity",
        "carbonFootprint.distribution",
        "testReports",
        "cadmiumSymbol",
        "safetyMeasures",
        "dismantlingDocuments",
        "sparePartSources.contactPoint.telephone",
    } <= named


def test_performance_1_2_0_layout_reads_the_same_terms() -> None:
    """1.2.0 keeps three fields under the condition, names the self-discharge value differently
    and gives the idle temperature range as one figure (listed); 1.2.1's layout is written."""
    newer = _load(FILES["performance"])
    older = copy.deepcopy(newer)
    technical, condition = older["batteryTechicalProperties"], older["batteryCondition"]
    for field in ("roundTripEfficiencyat50PerCentCycleLife", "roundTripEfficiencyFade", "powerFade"):
        condition[field] = technical.pop(field)
    rate = condition["currentSelfDischargingRate"]
    rate["currentSelfDischargingRateEntity"] = rate.pop("currentSelfDischargingRateValue")
    technical["temperatureRangeIdleState"] = 25.0
    first = batterypass.convert_with_notes(older, iri=ITEM)
    expected = {k: v for k, v in EXPECTED["performance"][0].items() if k != "idleTemperatureRange"}
    assert {k: v for k, v in first.document.items() if k not in ("@context", "id", "type")} == expected
    assert "batteryTechicalProperties.temperatureRangeIdleState" in first.unmapped
    written = batterypass_out.to_payload(first.document).document["performance"]
    assert isinstance(written, dict) and written["batteryTechicalProperties"]["powerFade"] == 2.0
    assert "powerFade" not in written["batteryCondition"]


def test_a_chemistry_we_have_no_concept_for_is_listed() -> None:
    aspect = _load(FILES["materialComposition"])
    aspect["batteryChemistry"]["shortName"] = "NMC955"
    converted = batterypass.convert_with_notes(aspect, iri=ITEM)
    assert "chemistry" not in converted.document
    assert "batteryChemistry.shortName" in converted.unmapped


def test_import_lists_what_each_aspect_left(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bp.json").write_bytes(orjson.dumps(_all()).decode().encode("utf-16"))
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    passport_node(["import", "--format", "batterypass", str(tmp_path / "bp.json"), "--store", store,
                   "--workers", "1", "--json", "--no-progress"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    # read and converted; the data model has no serial number, so validation names it
    assert summary["rejections"][0]["reason"].startswith("does not conform: Data point 7"), summary
    listed = set(next(iter(summary["unmapped"].values())))
    for key, (_, unmapped) in EXPECTED.items():
        assert {f"{key}.{path}" for path in unmapped} <= listed, key
