"""AAS Part 4, Technical Data (IDTA-02035-4 1.0.2): the template's idShorts in and out of our
performance terms, units converted (W <-> kW, ISO 8601 years), what is not ours listed, and
impossible values refused with their path. The submodels are built here with the published
template's idShorts (the template file, CC BY 4.0, is not shipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import aas, aas_technical
from resolver.errors import DocumentError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


def _prop(short: str, value: object) -> dict[str, Any]:
    return {"modelType": "Property", "idShort": short, "valueType": "xs:string", "value": value}


def _smc(short: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"modelType": "SubmodelElementCollection", "idShort": short, "value": list(elements)}


def _technical(**changes: object) -> dict[str, Any]:
    """A Part 4 submodel with the template's structure and idShorts; ``changes`` replace the
    value of the Property of that idShort."""

    def p(short: str, value: object) -> dict[str, Any]:
        return _prop(short, changes.get(short, value))

    return {
        "modelType": "Submodel",
        "idShort": "TechnicalData",
        "semanticId": {"type": "ExternalReference", "keys": [
            {"type": "GlobalReference", "value": aas_technical.SEMANTIC_ID}]},
        "submodelElements": [
            _smc("GeneralInformation", p("ManufacturerName", "Voltaris Cells GmbH"),
                 p("ManufacturerIdentifier", "BPNL000000000001"), p("BatteryCategory", "ev"),
                 p("BatteryMass", "486.5"), _smc("WarrantyInformation", p("WarrantyPeriod", "P96M"))),
            _smc("TechnicalPropertyAreas",
                 _smc("CapacityEnergyVoltage", p("NominalVoltage", "355"), p("MinVoltage", "270"),
                      p("MaxVoltage", "403"), p("RatedCapacity", "228"), p("CapacityFade", "0.9"),
                      p("CertifiedUsableBatteryEnergy", "80.9")),
                 _smc("RoundTripEnergyEfficiency", p("InitialRoundTripEnergyEfficiency", "95"),
                      p("RoundTripEnergyEfficiencyAt50PercentOfCycleLife", "93"),
                      p("EnergyRoundTripEfficiencyFade", "0.2"), p("InitialSelfDischargingRate", "2")),
                 _smc("Resistance", p("InitialInternalResistanceOnBatteryCellLevel", "0.0012"),
                      p("InitialInternalResistanceOnBatteryPackLevel", "0.085"),
                      p("InternalResistanceIncreaseOfBatteryPackLevel", "1.2")),
                 _smc("PowerCapability", p("MaximumPermittedBatteryPower", "280000"), p("PowerFade", "0.8"),
                      p("RatioNominalBatteryPowerAndBatteryEnergy", "3.1"),
                      {"modelType": "SubmodelElementList", "idShort": "OriginalPowerCapability", "value": [
                          _smc("", _prop("atSoc", "80"), _prop("powerCapabilityAt", "250000"))]}),
                 _smc("Temperature", p("TemperatureRangeIdleState_LowerBoundary", "-40"),
                      p("TemperatureRangeIdleState_UpperBoundary", "60")),
                 _smc("Lifetime", p("ExpectedLifetimeInCalendarYears", "12"),
                      p("ExpectedNumberOfCycles", "2000"), p("CapacityThresholdExhaustion", "70"),
                      p("CRateOfRelevantCycleLifeTest", "0.33"))),
        ],
    }  # fmt: skip


def _nameplate() -> dict[str, Any]:
    return {"modelType": "Submodel", "idShort": "BatteryNameplate",
            "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip


def test_the_templates_elements_are_read_in_our_units() -> None:
    read = aas.convert_with_notes({"submodels": [_nameplate(), _technical()]})
    doc = read.document
    assert doc["category"] == "EV" and doc["weight"] == {"value": 486.5, "unit": "KGM"}
    assert doc["commercialWarrantyPeriod"] == {"value": 8, "unit": "ANN"}  # P96M
    assert doc["nominalVoltage"] == {"value": 355, "unit": "VLT"}
    assert doc["ratedCapacity"] == {"value": 228, "unit": "AMH"}
    assert doc["maximumPermittedPower"] == {"value": 280, "unit": "KWT"}  # 280000 W
    assert doc["initialInternalResistance"] == {"value": 0.085, "unit": "OHM"}
    assert doc["idleTemperatureRange"] == {
        "minimumTemperature": {"value": -40, "unit": "CEL"},
        "maximumTemperature": {"value": 60, "unit": "CEL"},
    }
    assert doc["expectedLifetimeCycles"] == 2000 and doc["expectedLifetimeYears"] == 12
    assert doc["initialRoundTripEfficiency"] == 95 and doc["cycleLifeTestCRate"] == 0.33
    assert doc["manufacturer"] == {"type": "Organization", "organizationName": "Voltaris Cells GmbH"}
    areas = "TechnicalData.TechnicalPropertyAreas."
    assert set(read.unmapped) == {
        "TechnicalData.GeneralInformation.ManufacturerIdentifier",
        areas + "CapacityEnergyVoltage.CertifiedUsableBatteryEnergy",
        areas + "RoundTripEnergyEfficiency.InitialSelfDischargingRate",
        areas + "Resistance.InitialInternalResistanceOnBatteryCellLevel",
        areas + "PowerCapability.RatioNominalBatteryPowerAndBatteryEnergy",
        areas + "PowerCapability.OriginalPowerCapability",
    }


def test_the_samm_models_payload_names_are_read_too() -> None:
    submodel = _technical()
    resistance = submodel["submodelElements"][1]["value"][2]
    resistance["value"][1]["idShort"] = "InitialInternalResistanceAtBatteryPackLevel"
    read = aas.convert_with_notes({"submodels": [_nameplate(), submodel]})
    assert read.document["initialInternalResistance"] == {"value": 0.085, "unit": "OHM"}


def test_another_manufacturer_name_than_the_nameplates_is_listed() -> None:
    nameplate = _nameplate()
    nameplate["submodelElements"].append(_prop("ManufacturerName", "Other GmbH"))
    read = aas.convert_with_notes({"submodels": [nameplate, _technical()]})
    assert read.document["manufacturer"] == {"type": "Organization", "organizationName": "Other GmbH"}
    said = "TechnicalData.GeneralInformation.ManufacturerName (another name than the nameplate's)"
    assert said in read.unmapped


@pytest.mark.parametrize(
    ("short", "value", "said"),
    [
        ("NominalVoltage", "high", "CapacityEnergyVoltage.NominalVoltage: 'high' is not a number"),
        ("ExpectedNumberOfCycles", "-3", "Lifetime.ExpectedNumberOfCycles: '-3' is not a whole number of 0"),
        ("ExpectedLifetimeInCalendarYears", "7.5", "InCalendarYears: '7.5' is not a whole number"),
        ("WarrantyPeriod", "eight years", "WarrantyPeriod: 'eight years' is not an ISO 8601 duration"),
        ("WarrantyPeriod", "P10M", "WarrantyPeriod: 'P10M' is not a whole number of years"),
        ("PowerFade", "NaN", "PowerCapability.PowerFade: 'NaN' is not a number"),
    ],
)
def test_an_impossible_value_is_refused_with_its_path(short: str, value: str, said: str) -> None:
    with pytest.raises(DocumentError, match=r"^TechnicalData\.") as caught:
        aas.convert_with_notes({"submodels": [_nameplate(), _technical(**{short: value})]})
    assert said in caught.value.detail


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_and_in_gives_the_same_technical_terms(example: Path) -> None:
    doc = orjson.loads(example.read_bytes())
    environment = aas.to_environment(doc)
    read = aas.convert_with_notes(environment.document)
    again = aas.to_environment(read.document)
    assert again.document == environment.document
    held = [t for t in aas_technical.WRITTEN if t in doc and t not in environment.not_written]
    for term in held:
        assert _same(read.document[term], doc[term]), term
    assert not [field for field in read.unmapped if field.startswith("TechnicalData")]


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) < 1e-9
    return a == b


def test_what_the_template_cannot_hold_is_named() -> None:
    doc = orjson.loads((ROOT / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    doc["maximumVoltage"] = {"value": 0.403, "unit": "KVT"}  # another unit than the template's volt
    environment = aas.to_environment(doc)
    # 95.5 % where the template asks whole percent (xs:integer); a power per state of charge
    assert {"maximumVoltage", "initialRoundTripEfficiency", "originalPowerCapability"} <= set(
        environment.not_written
    )
    assert "nominalVoltage" not in environment.not_written and "weight" not in environment.not_written
