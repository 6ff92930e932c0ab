"""AAS Digital Battery Passport Part 3, Product Carbon Footprint (IDTA-02035-3): our carbon
footprint per stage goes out as one entry per life cycle phase (DIN DKE SPEC 99100's mapping,
as the template gives it) plus the total, and comes back the same; entries that are not per kWh,
or for phases that are no Annex II stage, are listed as not mapped, not guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import aas, aas_carbon
from resolver.errors import DocumentError
from resolver.passport.canonical import canonical_nquads

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "valid").glob("*.jsonld"))


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


def _entry(
    figure: object, unit: str, phases: list[str], quantity: object = 1, **extra: str
) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [
        {"modelType": "Property", "idShort": "PcfCO2eq", "valueType": "xs:decimal", "value": str(figure)},
        {"modelType": "Property", "idShort": "ReferenceImpactUnitForCalculation", "value": unit},
        {"modelType": "Property", "idShort": "QuantityOfMeasureForCalculation", "value": str(quantity)},
        {
            "modelType": "SubmodelElementList",
            "idShort": "LifeCyclePhases",
            "value": [{"modelType": "Property", "value": phase} for phase in phases],
        },
        {
            "modelType": "SubmodelElementList",
            "idShort": "PcfCalculationMethods",
            "value": [{"modelType": "Property", "value": "ISO 14067"}],
        },
    ]
    elements += [{"modelType": "Property", "idShort": k, "value": v} for k, v in extra.items()]
    return {"modelType": "SubmodelElementCollection", "value": elements}


def _submodel(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "idShort": "CarbonFootprint",
        "submodelElements": [
            {"modelType": "SubmodelElementList", "idShort": "ProductCarbonFootprints", "value": list(entries)}
        ],
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_the_carbon_footprint_goes_out_and_comes_back_the_same(example: Path) -> None:
    passport = orjson.loads(example.read_bytes())
    environment = aas.to_environment(passport)
    read = aas.convert_with_notes(orjson.loads(orjson.dumps(environment.document)))
    assert read.unmapped == ()
    assert not [term for term in environment.not_written if term.startswith("carbonFootprint")]
    assert read.document.get("carbonFootprint") == passport.get("carbonFootprint")
    if "carbonFootprint" not in passport:
        return  # a lead-acid industrial battery: none declared
    footprint = {
        "@context": passport["@context"],
        "id": passport["id"],
        "carbonFootprint": passport["carbonFootprint"],
    }
    back = {
        "@context": passport["@context"],
        "id": passport["id"],
        "carbonFootprint": read.document["carbonFootprint"],
    }
    assert _graph(back) == _graph(footprint)


def test_the_stages_are_the_phases_din_dke_spec_99100_maps() -> None:
    passport = orjson.loads(EXAMPLES[3].read_bytes())  # ev-nmc811
    document: dict[str, Any] = aas.to_environment(passport).document
    carbon = document["submodels"][1]
    entries = carbon["submodelElements"][0]["value"]
    phases = [[p["value"] for p in e["value"][3]["value"]] for e in entries]
    assert phases[:4] == [
        ["A1 - raw material supply (and upstream production)"],
        ["A3 - production"],
        ["A4 - transport to final destination"],
        ["C3 - recycling, waste treatment"],
    ]
    assert len(phases[4]) == 4  # the total, over every phase
    total = {element["idShort"]: element for element in entries[4]["value"]}
    assert total["PerformanceClass"]["value"] == "B" and total["PcfCO2eq"]["value"] == "64.0"


def test_what_is_not_per_kwh_or_no_annex_ii_stage_is_listed() -> None:
    submodel = _submodel(
        _entry(2150, "kWh", ["A1 - raw material supply (and upstream production)"], quantity=50),
        _entry(5400, "piece", ["A3 - production"]),
        _entry(0.4, "kWh", ["B1 - usage phase"]),
        _entry(60, "kWh", ["A1", "A3", "A4", "C3"], PerformanceClass="B+"),
    )
    footprint, left = aas_carbon.read(submodel, "CarbonFootprint")
    assert footprint == {
        "rawMaterialAcquisition": {"value": 43.0, "unit": "kgCO2e/kWh"},
        "total": {"value": 60.0, "unit": "kgCO2e/kWh"},
    }
    path = "CarbonFootprint.ProductCarbonFootprints"
    assert f"{path}[1].PcfCO2eq (per piece, not per kWh)" in left
    assert (
        f"{path}[2].PcfCO2eq (life cycle phases ['B1'] are no stage of the Battery Regulation's Annex II)"
        in left
    )
    assert f"{path}[3].PerformanceClass" in left  # B+ is no class of the Regulation
    assert f"{path}[0].PcfCalculationMethods" in left


def test_a_figure_that_is_no_number_is_refused_with_its_path() -> None:
    submodel = _submodel(_entry("lots", "kWh", ["A3 - production"]))
    with pytest.raises(
        DocumentError, match=r"ProductCarbonFootprints\[0\]\.PcfCO2eq: 'lots' is not a number"
    ):
        aas_carbon.read(submodel, "CarbonFootprint")
    for impossible in ("INF", "-inf", "NaN"):  # float() reads them: refused all the same
        submodel = _submodel(_entry(impossible, "kWh", ["A3 - production"]))
        with pytest.raises(DocumentError, match=rf"PcfCO2eq: '{impossible}' is not a number"):
            aas_carbon.read(submodel, "CarbonFootprint")
    submodel = _submodel(_entry(5, "kWh", ["A3 - production"], quantity=0))
    with pytest.raises(
        DocumentError, match=r"QuantityOfMeasureForCalculation: 0\.0 is not a possible quantity"
    ):
        aas_carbon.read(submodel, "CarbonFootprint")
