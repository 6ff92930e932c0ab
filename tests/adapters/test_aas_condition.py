"""AAS Part 5, Product Condition (IDTA-02035-5 1.0.2): its dynamic data becomes lifecycle readings
(not passport data), each checked as the node checks a reading, an impossible one refused with
its element's path; what no data point holds is listed; the latest readings written back as the
submodel read in again the same. The submodel is built here with the published template's
idShorts and example values (the template file, CC BY 4.0, is not shipped)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import aas, aas_condition
from resolver.adapters.formats import convert
from resolver.commands.export import _export
from resolver.commands.importer import Item, Progress, Summary, _into_store
from resolver.config import default_config
from resolver.errors import DocumentError
from resolver.tiers import Tier
from tests.support.validators import shared_validator

IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"
WHEN = "2000-01-01T14:23:00"  # the template's example: no zone


def _prop(short: str | None, value: object) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "Property", "valueType": "xs:float", "value": value}
    if short is not None:
        element["idShort"] = short
    return element


def _smc(short: str | None, *elements: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "SubmodelElementCollection", "value": list(elements)}
    if short is not None:
        element["idShort"] = short
    return element


def _point(short: str, value: object, when: str | None = WHEN) -> dict[str, Any]:
    return _smc(short, _prop(short + "Value", value), *([_prop("LastUpdate", when)] if when else []))


def _condition(charge: object = "70", cycles: object = "600", when: str = WHEN) -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "idShort": "ProductCondition",
        "semanticId": {"type": "ExternalReference", "keys": [
            {"type": "GlobalReference", "value": aas_condition.SEMANTIC_ID}]},
        "submodelElements": [
            _point("EnergyThroughput", "100000", when),
            _point("StateOfCharge", charge, when),
            _point("CapacityThroughput", "214", when),
            _point("NumberOfFullCycles", cycles, when),
            _point("StateOfCertifiedEnergy", "70", when),
            _point("RemainingEnergy", "30", when),
            _point("RemainingCapacity", "56", when),
            {"modelType": "SubmodelElementList", "idShort": "NegativeEvents", "value": [
                _smc(None, _prop("NegativeEventValue", "overcharged"), _prop("LastUpdate", when))]},
            {"modelType": "SubmodelElementList", "idShort": "InformationOnAccidents",
             "value": [_prop(None, "XF90-884")]},
            _smc("TemperatureInformation", _prop("MeasuredTemp", "25.5"), _prop("TimeExtremeHighTemp", "90"),
                 _prop("TimeExtremeLowTemp", "0"), _prop("TimeExtremeHighTempCharging", "0"),
                 _prop("LastUpdate", when)),
            _smc("RemainingPowerCapability", _smc("RemainingPowerCapabilityDynamicAt", _prop("AtSoC", "80"),
                 _prop("PowerCapabilityAt", "95")), _prop("LastUpdate", when)),
            _point("EvolutionOfSelfDischarge", "1", when),
            _point("CurrentSelfDischargingRate", "2", when),
            _point("RemainingRoundTripEnergyEfficiency", "80", None),
        ],
    }  # fmt: skip


def _read(*submodels: dict[str, Any]) -> aas.Read:
    nameplate = {"modelType": "Submodel", "idShort": "BatteryNameplate",
                 "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip
    return aas.convert_with_notes({"submodels": [nameplate, *submodels]})


def test_the_templates_data_points_become_readings() -> None:
    read = _read(_condition())
    at = "2000-01-01T14:23:00.000Z"
    assert list(read.readings) == [
        {"dataPoint": "energyThroughput", "time": at, "value": 100000.0, "unit": "KWH"},
        {"dataPoint": "stateOfCharge", "time": at, "value": 70.0, "unit": "P1"},
        {"dataPoint": "cycleCount", "time": at, "value": 600.0, "unit": ""},
        {"dataPoint": "stateOfCertifiedEnergy", "time": at, "value": 70.0, "unit": "P1"},
        {"dataPoint": "remainingEnergy", "time": at, "value": 30.0, "unit": "KWH"},
        {"dataPoint": "remainingCapacity", "time": at, "value": 56.0, "unit": "AMH"},
        {"dataPoint": "temperature", "time": at, "value": 25.5, "unit": "CEL"},
        {"dataPoint": "timeAboveTemperatureBoundary", "time": at, "value": 1.5, "unit": "HUR"},
        {"dataPoint": "timeBelowTemperatureBoundary", "time": at, "value": 0.0, "unit": "HUR"},
    ]
    assert set(read.unmapped) == {
        "ProductCondition.CapacityThroughput",
        "ProductCondition.NegativeEvents",
        "ProductCondition.InformationOnAccidents",
        "ProductCondition.TemperatureInformation.TimeExtremeHighTempCharging",
        "ProductCondition.RemainingPowerCapability",
        "ProductCondition.EvolutionOfSelfDischarge",
        "ProductCondition.CurrentSelfDischargingRate",
        "ProductCondition.RemainingRoundTripEnergyEfficiency (no LastUpdate: a reading needs its time)",
    }
    for term in ("stateOfCharge", "cycleCount", "temperature"):  # readings, not passport data
        assert term not in read.document


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"charge": "170"}, "ProductCondition.StateOfCharge.StateOfChargeValue: stateOfCharge value 170 is "
                            "outside 0..100"),
        ({"charge": "lots"}, "ProductCondition.StateOfCharge.StateOfChargeValue: 'lots' is not a number"),
        ({"cycles": "600.5"}, "ProductCondition.NumberOfFullCycles.NumberOfFullCyclesValue: cycleCount value "
                              "600.5 must be a whole number"),
        ({"when": "yesterday"}, "ProductCondition.EnergyThroughput.LastUpdate: 'yesterday' is not a "
                                "date-time"),
    ],
)  # fmt: skip
def test_an_impossible_value_is_refused_with_its_path(changes: dict[str, str], said: str) -> None:
    with pytest.raises(DocumentError) as caught:
        _read(_condition(**changes))
    assert caught.value.detail == said


def test_a_time_with_an_offset_is_read_as_it_says() -> None:
    read = _read(_condition(when="2026-03-01T10:00:00+02:00"))
    assert {reading["time"] for reading in read.readings} == {"2026-03-01T08:00:00.000Z"}


def test_the_latest_readings_written_as_the_submodel_read_back_the_same() -> None:
    later = "2026-03-01T08:00:00.000Z"
    first = list(_read(_condition()).readings)
    newer = {"dataPoint": "stateOfCharge", "time": later, "value": 64.5, "unit": "P1"}
    other = {"dataPoint": "powerFade", "time": later, "value": 3.0, "unit": "P1"}  # no element holds it
    submodel = aas_condition.write([*first, newer, other], IRI)
    assert submodel is not None
    back = _read(submodel)
    latest = [newer if r["dataPoint"] == "stateOfCharge" else r for r in first]
    assert sorted(back.readings, key=orjson.dumps) == sorted(latest, key=orjson.dumps)
    assert back.unmapped == ()
    assert aas_condition.write(back.readings, IRI) == submodel
    assert aas_condition.write([], IRI) is None


def test_import_format_aas_hands_the_readings_on() -> None:
    nameplate = {"modelType": "Submodel", "idShort": "BatteryNameplate",
                 "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip
    converted = convert("aas", orjson.dumps({"submodels": [nameplate, _condition()]}))
    assert len(converted.readings) == 9
    assert b"stateOfCharge" not in converted.body


def test_export_format_aas_writes_the_stored_readings_as_product_condition(tmp_path: Path) -> None:
    """The readings import stored beside a passport come out of ``export --format aas`` as Part
    5, the latest of each data point the export's tier may see, and read back the same."""
    readings = _read(_condition(when="2026-11-01T10:00:00Z")).readings
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    config = default_config(store=store, workers=1)
    summary = Summary()
    progress = Progress(1, summary, stream=io.StringIO(), enabled=False)
    validator = asyncio.run(shared_validator(1))
    item = Item("ev-nmc811.jsonld", EXAMPLE.read_bytes(), readings=readings)
    asyncio.run(_into_store([item], config, summary, progress, validator))
    assert (summary.created, summary.readings) == (1, 9), summary.to_json()

    def exported(tier: Tier) -> aas.Read:
        out = tmp_path / f"out-{tier.label}"
        assert asyncio.run(_export(config, "", str(out), tier, "aas")) == 1
        [written] = out.iterdir()
        environment = orjson.loads(written.read_bytes())
        shell_refs = environment["assetAdministrationShells"][0]["submodels"]
        assert [ref["keys"][0]["value"] for ref in shell_refs] == [s["id"] for s in environment["submodels"]]
        return aas.convert_with_notes(environment)

    key = orjson.dumps
    assert sorted(exported(Tier.AUTHORITY).readings, key=key) == sorted(readings, key=key)
    # the battery's dynamic data is not public (legitimate interest and above): left out
    assert exported(Tier.PUBLIC).readings == ()
