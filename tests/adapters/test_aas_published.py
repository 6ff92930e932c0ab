"""The IDTA Digital Battery Passport submodel templates as published (admin-shell-io/
submodel-templates, excerpts in tests/adapters/data/, see NOTICE.md there): each reads through
the ``import --format aas`` reader; the values it holds for our terms come out as those terms;
every element holding a value is either mapped or listed as not mapped (none dropped); and the
passport read from it goes out and in again to the same graph."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from resolver import jsonld
from resolver.adapters import aas, aas_condition
from resolver.adapters.formats import convert
from resolver.passport.canonical import canonical_nquads

DATA = Path(__file__).resolve().parent / "data"
IRI = "https://id.example/battery/idta-published"  # for the Parts without URIOfTheProduct


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads((DATA / name).read_bytes())
    return loaded


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


def _valued(container: Mapping[str, Any], path: str) -> Iterator[str]:
    """The idShort path of each element that holds a value (list items by index)."""
    children = container.get("submodelElements", container.get("value"))
    for index, element in enumerate(children if isinstance(children, list) else []):
        short = element.get("idShort")
        where = f"{path}.{short}" if isinstance(short, str) else f"{path}[{index}]"
        if element.get("modelType") in ("SubmodelElementCollection", "SubmodelElementList"):
            yield from _valued(element, where)
        elif element.get("value") not in (None, "", []):
            yield where


def _round_trip(read: aas.Read, not_written: tuple[str, ...] = ()) -> None:
    """Our passport out as AAS and in again: the same graph, but for the terms the writer says
    it does not write (and only those)."""
    out = aas.to_environment(read.document)
    assert out.not_written == not_written
    again = aas.convert_with_notes(orjson.loads(orjson.dumps(out.document)))
    assert again.unmapped == ()
    kept = {k: v for k, v in read.document.items() if k not in not_written}
    assert _graph(again.document) == _graph(kept)


def _covers(entry: str, where: str) -> bool:
    return where == entry or where.startswith((entry + ".", entry + "["))


def _accounted(environment: Mapping[str, Any], read: aas.Read, mapped: set[str]) -> None:
    """Every element with a value is mapped or listed (itself, or a collection or list holding
    it: a document not read is listed whole and by part), never both, never neither; and
    nothing is listed that holds no value."""
    valued = {where for sm in environment["submodels"] for where in _valued(sm, sm["idShort"])}
    listed = {entry.split(" ", 1)[0] for entry in read.unmapped}
    for where in valued:
        by_map = [entry for entry in mapped if _covers(entry, where)]
        by_list = [entry for entry in listed if _covers(entry, where)]
        assert len(by_map) <= 1 and bool(by_map) != bool(by_list), (where, by_map, by_list)
    for entry in mapped | listed:
        assert any(_covers(entry, where) for where in valued), entry


PART1 = "idta-02035-1-digital-nameplate-1.1-excerpt.json"
PART2 = "idta-02035-2-handover-documentation-1.1-excerpt.json"


def test_part1_nameplate_values_come_out_as_our_terms() -> None:
    environment = _load(PART1)
    read = aas.convert_with_notes(environment)
    assert read.document == {
        "@context": jsonld.CONTEXT_URL,
        "id": "https://dc-qr.com/?m=R123456789",
        "type": "BatteryPassport",
        "serialNumber": "A12345-X75EN",
        "manufacturingDate": "2022-01-01",
        "manufacturer": {"type": "Organization", "organizationName": "Muster AG"},  # only "de" given
        "operator": {"type": "Operator", "operatorIdentifier": "123456789"},
        "manufacturingPlace": {"facilityIdentifier": "987654321"},
        "status": "original",  # published as LifeCycleStage "Original"
    }
    assert read.unmapped == (
        "BatteryNameplate.DateOfPuttingIntoService",
        "BatteryNameplate.ManufacturerIdentifier",
        "BatteryNameplate.Markings[0].MarkingName",
        "BatteryNameplate.Markings[0].DesignationOfCertificateOrApproval",
        "BatteryNameplate.Markings[0].IssueDate",
        "BatteryNameplate.Markings[0].ExpiryDate",
        "BatteryNameplate.Markings[0].MarkingAdditionalText",
    )
    mapped = {f"BatteryNameplate.{short}" for short in ("URIOfTheProduct", "ManufacturerName",
        "SerialNumber", "DateOfManufacture", "UniqueFacilityIdentifier", "LifeCycleStage",
        "OperatorIdentifier")}  # fmt: skip
    _accounted(environment, read, mapped)
    assert orjson.loads(convert("aas", (DATA / PART1).read_bytes()).body) == read.document
    _graph(read.document)


def test_part1_round_trips() -> None:
    _round_trip(aas.convert_with_notes(_load(PART1)))


PART3 = "idta-02035-3-product-carbon-footprint-1.1-excerpt.json"


def test_part3_a_document_identifier_is_no_study_address() -> None:
    """The published Part 3 holds one value: the study as a Part 2 document identifier
    (``XF90-884``), listed, not read as ``studyUrl``; its empty elements are no data."""
    environment = _load(PART3)
    read = aas.convert_with_notes(environment, iri=IRI)
    assert read.document == {"@context": jsonld.CONTEXT_URL, "id": IRI, "type": "BatteryPassport"}
    assert read.unmapped == (
        "CarbonFootprint.ProductCarbonFootprints[0].WebLinkToPublicCarbonFootprintStudy"
        " (a document identifier, not a web address)",
    )
    _accounted(environment, read, set())
    _round_trip(read)


PART6 = "idta-02035-6-material-composition-1.0.2-excerpt.json"


def test_part6_material_values_come_out_as_our_terms() -> None:
    """Chemistry and the critical raw material are read; the template's one hazardous substance
    has a location ("Anode") and no name or CAS number: listed, not made a nameless substance."""
    environment = _load(PART6)
    read = aas.convert_with_notes(environment, iri=IRI)
    assert read.document == {
        "@context": jsonld.CONTEXT_URL,
        "id": IRI,
        "type": "BatteryPassport",
        "chemistry": "NMC",
        "criticalRawMaterials": ["Lithium"],
    }
    assert read.unmapped == (
        "MaterialComposition.BatteryChemistry.ClearName",
        "MaterialComposition.BatteryMaterials[0].BatteryMaterialLocation",
        "MaterialComposition.BatteryMaterials[0].BatteryMaterialIdentifier",
        "MaterialComposition.HazardousSubstances[0] (no substance name or CAS number)",
    )
    mapped = {"MaterialComposition.BatteryChemistry.ShortName",
        "MaterialComposition.BatteryMaterials[0].BatteryMaterialName",
        "MaterialComposition.BatteryMaterials[0].IsCriticalRawMaterial"}  # fmt: skip
    _accounted(environment, read, mapped)


def test_part6_round_trips_but_for_critical_raw_materials() -> None:
    """Critical raw materials are read, not written (the template asks each one's CAS number
    and location, which the passport does not hold): the writer says so."""
    _round_trip(aas.convert_with_notes(_load(PART6), iri=IRI), ("criticalRawMaterials",))


PART4 = "idta-02035-4-technical-data-1.0.2-excerpt.json"
_AREAS = "TechnicalData.TechnicalPropertyAreas."


def _quantity(value: float, unit: str) -> dict[str, object]:
    return {"value": value, "unit": unit}


def test_part4_technical_values_come_out_as_our_terms() -> None:
    """Each figure in its template's unit, as our quantity; WarrantyPeriod P96M as 8 years;
    ManufacturerName taken (no nameplate here)."""
    environment = _load(PART4)
    read = aas.convert_with_notes(environment, iri=IRI)
    assert read.document == {
        "@context": jsonld.CONTEXT_URL,
        "id": IRI,
        "type": "BatteryPassport",
        "category": "EV",
        "weight": _quantity(1007, "KGM"),
        "commercialWarrantyPeriod": _quantity(8, "ANN"),
        "nominalVoltage": _quantity(4.3, "VLT"),
        "minimumVoltage": _quantity(2.04, "VLT"),
        "maximumVoltage": _quantity(6, "VLT"),
        "ratedCapacity": _quantity(210, "AMH"),
        "capacityFade": _quantity(10, "P1"),
        "initialRoundTripEfficiency": 100,
        "roundTripEfficiencyAt50PercentCycleLife": 100,
        "roundTripEfficiencyFade": _quantity(10, "P1"),
        "initialInternalResistance": _quantity(23, "OHM"),  # the pack's
        "internalResistanceIncrease": _quantity(10, "P1"),
        "maximumPermittedPower": _quantity(0, "KWT"),  # "0" W as published: possible, so kept
        "powerFade": _quantity(23, "P1"),
        "idleTemperatureRange": {
            "minimumTemperature": _quantity(-19, "CEL"),
            "maximumTemperature": _quantity(49, "CEL"),
        },
        "expectedLifetimeYears": 15,
        "capacityThresholdForExhaustion": 23,
        "manufacturer": {"type": "Organization", "organizationName": "Example Company"},
    }
    listed = (
        "CapacityEnergyVoltage.CertifiedUsableBatteryEnergy",
        "RoundTripEnergyEfficiency.InitialSelfDischargingRate",
        "Resistance.InitialInternalResistanceOnBatteryCellLevel",
        "Resistance.InitialInternalResistanceOnBatteryModuleLevel",
        "Resistance.InternalResistanceIncreaseOfBatteryCellLevel",
        "Resistance.InternalResistanceIncreaseOfBatteryModuleLevel",
        "PowerCapability.RatioNominalBatteryPowerAndBatteryEnergy",
        "PowerCapability.OriginalPowerCapability",
    )
    assert read.unmapped == tuple(_AREAS + short for short in listed)  # ProductImages: no value
    valued = {where for where in _valued(environment["submodels"][0], "TechnicalData")}
    mapped = {where for where in valued if not any(_covers(_AREAS + short, where) for short in listed)}
    assert len(mapped) == 20
    _accounted(environment, read, mapped)


def test_part4_round_trips() -> None:
    _round_trip(aas.convert_with_notes(_load(PART4), iri=IRI))


PART5 = "idta-02035-5-product-condition-1.0.2-excerpt.json"


def _reading(point: str, value: float, unit: str) -> dict[str, object]:
    return {"dataPoint": point, "time": "2000-01-01T14:23:00.000Z", "value": value, "unit": unit}


def test_part5_condition_values_come_out_as_readings() -> None:
    """Each data point's value with its LastUpdate (no zone: read as UTC) is a lifecycle reading;
    the template's time extremes in minutes are hours of ours; the rest is listed."""
    environment = _load(PART5)
    read = aas.convert_with_notes(environment, iri=IRI)
    assert read.document == {"@context": jsonld.CONTEXT_URL, "id": IRI, "type": "BatteryPassport"}
    assert read.readings == (
        _reading("energyThroughput", 100000, "KWH"),
        _reading("stateOfCharge", 70, "P1"),
        _reading("cycleCount", 600, ""),
        _reading("stateOfCertifiedEnergy", 70, "P1"),
        _reading("remainingEnergy", 30, "KWH"),
        _reading("remainingCapacity", 56, "AMH"),
        _reading("timeAboveTemperatureBoundary", 0, "HUR"),
        _reading("timeBelowTemperatureBoundary", 0, "HUR"),
        _reading("roundTripEfficiency", 80, "P1"),
    )
    assert read.unmapped == tuple(f"ProductCondition.{short}" for short in (
        "CapacityThroughput", "NegativeEvents", "InformationOnAccidents",
        "TemperatureInformation.TimeExtremeHighTempCharging",
        "TemperatureInformation.TimeExtremeLowTempCharging", "RemainingPowerCapability",
        "EvolutionOfSelfDischarge", "CurrentSelfDischargingRate"))  # fmt: skip
    mapped = {f"ProductCondition.{short}" for short in ("EnergyThroughput", "StateOfCharge",
        "NumberOfFullCycles", "StateOfCertifiedEnergy", "RemainingEnergy", "RemainingCapacity",
        "TemperatureInformation.TimeExtremeHighTemp", "TemperatureInformation.TimeExtremeLowTemp",
        "TemperatureInformation.LastUpdate", "RemainingRoundTripEnergyEfficiency")}  # fmt: skip
    _accounted(environment, read, mapped)


def test_part5_readings_round_trip() -> None:
    """The readings written back as Part 5 (as ``export --format aas`` does) read as the same."""
    read = aas.convert_with_notes(_load(PART5), iri=IRI)
    submodel = aas_condition.write(read.readings, IRI)
    assert submodel is not None
    again = aas.convert_with_notes(orjson.loads(orjson.dumps({"submodels": [submodel]})), iri=IRI)
    assert again.unmapped == ()
    assert sorted(again.readings, key=str) == sorted(read.readings, key=str)


PART7 = "idta-02035-7-circularity-1.0.1-excerpt.json"


def test_part7_template_without_values_gives_nothing_and_lists_nothing() -> None:
    """IDTA publishes Part 7 1.0.1's example with no value in any element (1.0.2 has only an
    AASX and a file without example values): it reads as no terms, and nothing is listed."""
    read = aas.convert_with_notes(_load(PART7), iri=IRI)
    assert read.document == {"@context": jsonld.CONTEXT_URL, "id": IRI, "type": "BatteryPassport"}
    assert read.unmapped == ()
    assert list(_valued(_load(PART7)["submodels"][0], "Circularity")) == []


def test_all_published_parts_in_one_environment() -> None:
    """The shipped parts side by side, as one shell would serve them: each submodel goes to its
    reader (the nameplate's URIOfTheProduct is the id), the same terms and lists come out as
    part by part, and the passport round-trips but for criticalRawMaterials."""
    names = (PART1, PART2, PART3, PART4, PART5, PART6, PART7)
    environment = {"submodels": [_load(name)["submodels"][0] for name in names]}
    read = aas.convert_with_notes(environment)
    apart = [aas.convert_with_notes(_load(name), iri=IRI) for name in names]
    terms: dict[str, object] = {}
    for one in apart:
        terms |= {k: v for k, v in one.document.items() if k not in ("id", "manufacturer")}
    assert {k: v for k, v in read.document.items() if k not in ("id", "manufacturer")} == terms
    assert read.document["id"] == "https://dc-qr.com/?m=R123456789"
    # Part 4's ManufacturerName ("Example Company") is not the nameplate's ("Muster AG"): listed
    assert read.document["manufacturer"] == {"type": "Organization", "organizationName": "Muster AG"}
    assert sorted(read.unmapped) == sorted(
        [entry for one in apart for entry in one.unmapped]
        + ["TechnicalData.GeneralInformation.ManufacturerName (another name than the nameplate's)"]
    )
    assert read.readings == apart[names.index(PART5)].readings
    _round_trip(read, ("criticalRawMaterials",))


def test_part2_a_document_with_no_classification_is_listed() -> None:
    """The published Part 2 holds one value, a document version's Language "en"; its
    classification and files are empty, so the document is none of ours: listed whole, with
    why, and its language; the empty classification is no data."""
    environment = _load(PART2)
    read = aas.convert_with_notes(environment, iri=IRI)
    assert read.document == {"@context": jsonld.CONTEXT_URL, "id": IRI, "type": "BatteryPassport"}
    assert read.unmapped == (
        "HandoverDocumentation.Documents[0].DocumentVersions[0].Language",
        "HandoverDocumentation.Documents[0] (no classification names a document type of the passport's)",
    )
    _accounted(environment, read, set())
    _round_trip(read)
